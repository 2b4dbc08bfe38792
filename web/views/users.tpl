% rebase('base.tpl')
<h1>{{t("Pengguna", "Users")}}</h1>
<p class="hint">{{t("Peran: pemantau (hanya melihat, nomor disamarkan) < operator (daftar kontak, menulis dan mengirim) < penyetuju (menyetujui kampanye besar milik orang lain) < admin (pengguna, modem, pengaturan, penahanan, token API).", "Roles: viewer (reads; numbers masked) < operator (lists, compose and send) < approver (approves other people's big campaigns) < admin (users, modems, settings, hold, API tokens).")}} <a href="/tokens">{{t("Token API", "API tokens")}}</a> · <a href="/account">{{t("Ganti kata sandi Anda", "Change your password")}}</a></p>
% if error:
<p class="error" role="alert">{{error}}</p>
% end
<div class="table-wrap">
<table class="users">
  <thead><tr><th>{{t("Nama pengguna", "Username")}}</th><th>{{t("Peran", "Role")}}</th><th>{{t("Unit", "Unit")}}</th><th>{{t("Status", "Status")}}</th><th>{{t("Dibuat", "Created")}}</th><th>{{t("Tindakan", "Actions")}}</th></tr></thead>
  <tbody>
  % for u in users:
  <tr data-user="{{u['username']}}">
    <td>{{u['username']}}{{t(" (Anda)", " (you)") if u['username'] == user.username else ""}}</td>
    <td>
      <form method="post" action="/users/{{u['username']}}/role" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <select name="role" aria-label="{{t('Peran', 'Role')}}">
        % for r in roles:
          <option value="{{r}}"{{!' selected' if r == u['role'] else ''}}>{{fmt.role(r)}}</option>
        % end
        </select>
        <button class="link">{{t("ubah", "change")}}</button>
      </form>
    </td>
    <td>
      <form method="post" action="/users/{{u['username']}}/unit" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <select name="unit" aria-label="{{t('Unit', 'Unit')}}">
        % for un in units:
          <option value="{{un['id']}}"{{!' selected' if un['id'] == u['unit_id'] else ''}}>{{un['name']}}</option>
        % end
        </select>
        <button class="link">{{t("pindah", "move")}}</button>
      </form>
    </td>
    <td>{{!'<span class="pill failed">' if u['disabled'] else '<span class="pill done">'}}{{t("nonaktif", "disabled") if u['disabled'] else t("aktif", "active")}}</span>
      % for lock in locks['accounts'].get(u['username'], []):
      <div class="locked" data-locked="{{lock['client']}}"><span class="pill failed">{{t("terkunci", "locked")}}</span> {{t("dari", "from")}} {{lock['client']}} {{t("sampai", "until")}} {{fmt.time(lock['until'])}} ({{lock['failures']}} {{t("kali salah", "failures")}})</div>
      % end
    </td>
    <td>{{fmt.time(u['created_at'])}}</td>
    <td class="actions">
      % if u['disabled']:
      <form method="post" action="/users/{{u['username']}}/enable" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button>{{t("Aktifkan", "Enable")}}</button></form>
      % elif u['username'] != user.username:
      <form method="post" action="/users/{{u['username']}}/disable" class="inline" data-confirm="{{t('Nonaktifkan pengguna ini? Semua sesinya diakhiri.', 'Disable this user? All their sessions end.')}}"><input type="hidden" name="csrf" value="{{csrf}}"><button class="danger">{{t("Nonaktifkan", "Disable")}}</button></form>
      % end
      % if locks['accounts'].get(u['username']):
      <form method="post" action="/users/{{u['username']}}/unlock" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button>{{t("Buka kunci", "Unlock")}}</button></form>
      % end
      <form method="post" action="/users/{{u['username']}}/reset" class="inline" data-confirm="{{t('Buat kata sandi baru untuk pengguna ini? Kata sandi lama tidak berlaku lagi dan sesinya diakhiri.', 'Make a new password for this user? The old one stops working and their sessions end.')}}"><input type="hidden" name="csrf" value="{{csrf}}"><button>{{t("Atur ulang kata sandi", "Reset password")}}</button></form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
<p class="hint">{{t("Lima kali salah kata sandi dari satu komputer mengunci akun itu hanya di komputer tersebut (15 menit, makin lama bila diulang); dari komputer lain pemiliknya tetap bisa masuk. Satu komputer dengan 30 kali salah (nama apa pun) dikunci 15 menit. Kunci lepas dengan Buka kunci, Atur ulang kata sandi, atau di konsol: siaran user reset-password NAMA.", "Five wrong passwords from one computer lock that account on that computer only (15 minutes, longer if repeated); the owner can still log in from other computers. A computer with 30 failures (any names) is locked for 15 minutes. Unlock, Reset password, or on the console siaran user reset-password NAME lift the lock.")}}</p>
% if locks['addresses']:
<p class="warn" id="locked-addresses">{{t("Komputer terkunci untuk semua akun", "Computers locked for every account")}}:
% for a in locks['addresses']:
  <span data-locked-address="{{a['client']}}">{{a['client']}} ({{a['failures']}} {{t("kali salah", "failures")}}, {{t("sampai", "until")}} {{fmt.time(a['until'])}})</span>
% end
</p>
% end

<section class="card" id="add-user">
  <h2>{{t("Tambah pengguna", "Add a user")}}</h2>
  <form method="post" action="/users" class="stack" autocomplete="off">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <div class="row">
      <label>{{t("Nama pengguna", "Username")}} <input name="username" required maxlength="32" pattern="[a-z][a-z0-9._\-]{1,31}" value="{{form.get('username', '')}}" autocapitalize="none"></label>
      <label>{{t("Peran", "Role")}}
        <select name="role">
        % for r in roles:
          <option value="{{r}}"{{!' selected' if r == form.get('role', 'operator') else ''}}>{{fmt.role(r)}}</option>
        % end
        </select>
      </label>
      <label>{{t("Unit", "Unit")}}
        <select name="unit">
        % for un in units:
          <option value="{{un['id']}}"{{!' selected' if str(un['id']) == str(form.get('unit', '')) else ''}}>{{un['name']}}</option>
        % end
        </select>
      </label>
      <label>{{t("Kata sandi (kosongkan untuk dibuatkan)", "Password (leave empty to generate one)")}} <input type="password" name="password" minlength="10" autocomplete="new-password"></label>
    </div>
    <p class="hint">{{t("Nama: 2-32 huruf kecil, angka, titik, garis bawah atau minus. Kata sandi minimal 10 karakter. Kata sandi yang dibuatkan ditampilkan sekali saja.", "Name: 2-32 lowercase letters, digits, dot, underscore or minus. Password at least 10 characters. A generated password is shown once only.")}}</p>
    <div><button class="primary">{{t("Tambah", "Add")}}</button></div>
  </form>
</section>
