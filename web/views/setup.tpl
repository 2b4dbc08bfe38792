% rebase('base.tpl')
<section class="narrow">
<h1>{{t("Selamat datang di Siaran", "Welcome to Siaran")}}</h1>
<p>{{t("Buat akun admin pertama. Tidak ada kata sandi bawaan: simpan kata sandi ini baik-baik.", "Create the first admin account. There is no default password: keep this one safe.")}}</p>
% if get('error'):
<p class="error" role="alert">{{error}}</p>
% end
<form method="post" action="/setup" class="stack">
  <input type="hidden" name="csrf" value="{{pre}}">
  <label>{{t("Nama pengguna admin", "Admin username")}} <input name="username" required value="{{get('username', 'admin')}}" pattern="[a-z][a-z0-9._\-]{1,31}"></label>
  <label>{{t("Kata sandi (minimal 10 karakter)", "Password (at least 10 characters)")}} <input name="password" type="password" autocomplete="new-password" required minlength="10"></label>
  <label>{{t("Ulangi kata sandi", "Repeat the password")}} <input name="password2" type="password" autocomplete="new-password" required minlength="10"></label>
  <button class="primary">{{t("Buat akun admin", "Create the admin account")}}</button>
</form>
</section>
