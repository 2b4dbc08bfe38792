% rebase('base.tpl')
<h1>{{t("Akun", "Account")}}</h1>
<p>{{user.username}} · {{fmt.role(user.role)}}</p>
<section class="card narrow-card" id="password">
  <h2>{{t("Ganti kata sandi", "Change password")}}</h2>
  % if error:
  <p class="error" role="alert">{{error}}</p>
  % end
  <form method="post" action="/account/password" class="stack" autocomplete="off">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{t("Kata sandi sekarang", "Current password")}} <input type="password" name="current" required autocomplete="current-password"></label>
    <label>{{t("Kata sandi baru (minimal 10 karakter)", "New password (at least 10 characters)")}} <input type="password" name="password" required minlength="10" autocomplete="new-password"></label>
    <label>{{t("Ulangi kata sandi baru", "New password again")}} <input type="password" name="password2" required minlength="10" autocomplete="new-password"></label>
    <div><button class="primary">{{t("Ganti kata sandi", "Change password")}}</button></div>
  </form>
  <p class="hint">{{t("Setelah diganti, sesi akun ini di perangkat lain diakhiri.", "After the change, this account's sessions on other devices end.")}}</p>
</section>
