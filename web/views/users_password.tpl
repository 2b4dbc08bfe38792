% rebase('base.tpl')
<h1>{{t("Kata sandi untuk", "Password for")}} {{who}}</h1>
<div class="card">
  <p>{{t("Pengguna baru dibuat." if new else "Kata sandi diatur ulang; sesi pengguna ini telah diakhiri.", "User created." if new else "Password reset; this user's sessions were ended.")}}</p>
  <p>{{t("Kata sandi (hanya ditampilkan sekali ini, catat atau berikan langsung kepada pengguna):", "Password (shown this once only: note it or hand it to the user):")}}</p>
  <code class="token" id="new-password">{{password}}</code>
  <p><button type="button" data-copy="#new-password">{{t("Salin", "Copy")}}</button></p>
  <p class="hint">{{t("Pengguna dapat menggantinya sendiri di halaman Akun.", "The user can change it on the Account page.")}}</p>
</div>
<p><a href="/users">« {{t("Kembali ke daftar pengguna", "Back to the user list")}}</a></p>
