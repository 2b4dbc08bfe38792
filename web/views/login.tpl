% rebase('base.tpl')
<section class="narrow">
<h1>{{t("Masuk", "Log in")}}</h1>
% if get('error'):
<p class="error" role="alert">{{error}}</p>
% end
<form method="post" action="/login" class="stack">
  <input type="hidden" name="csrf" value="{{pre}}">
  <input type="hidden" name="next" value="{{next}}">
  <label>{{t("Nama pengguna", "Username")}} <input name="username" autocomplete="username" required autofocus value="{{get('username', '')}}"></label>
  <label>{{t("Kata sandi", "Password")}} <input name="password" type="password" autocomplete="current-password" required></label>
  <button class="primary">{{t("Masuk", "Log in")}}</button>
</form>
<p class="hint">{{t("Lupa kata sandi? Minta admin kantor mengatur ulang di halaman Pengguna.", "Forgot your password? Ask the office admin to reset it on the Users page.")}}</p>
</section>
