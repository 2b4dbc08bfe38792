<!doctype html>
<html lang="{{lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · Siaran</title>
<link rel="stylesheet" href="/static/siaran.css">
<script src="/static/siaran.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/">Siaran</a>
  % if user:
  <input type="checkbox" id="menu-toggle" class="menu-toggle"><label for="menu-toggle" class="menu-button">{{t("Menu", "Menu")}}</label>
  <nav class="menu">
    <a href="/" class="{{'on' if path == '/' else ''}}">{{t("Dasbor", "Dashboard")}}</a>
    <a href="/contacts" class="{{'on' if path.startswith('/contacts') or path.startswith('/import') else ''}}">{{t("Kontak", "Contacts")}}</a>
    <a href="/audiences" class="{{'on' if path.startswith('/audiences') else ''}}">{{t("Audiens", "Audiences")}}</a>
    % if user.can("operator"):
    <a href="/compose" class="{{'on' if path.startswith('/compose') else ''}}">{{t("Tulis Pesan", "Compose")}}</a>
    % end
    <a href="/approvals" class="{{'on' if path.startswith('/approvals') else ''}}">{{t("Persetujuan", "Approvals")}}{{!' <span class="badge">%d</span>' % pending_approvals if get('pending_approvals') else ''}}</a>
    <a href="/campaigns" class="{{'on' if path.startswith('/campaigns') else ''}}">{{t("Kampanye", "Campaigns")}}</a>
    <a href="/inbox" class="{{'on' if path.startswith('/inbox') else ''}}">{{t("Kotak Masuk", "Inbox")}}</a>
    <a href="/warga" class="{{'on' if path.startswith('/warga') else ''}}">{{t("SMS Warga", "Resident SMS")}}</a>
    <a href="/modems" class="{{'on' if path.startswith('/modems') else ''}}">{{t("Modem", "Modems")}}</a>
    % if user.can("admin"):
    <a href="/settings" class="{{'on' if path.startswith('/settings') else ''}}">{{t("Pengaturan", "Settings")}}</a>
    <a href="/users" class="{{'on' if path.startswith('/users') or path.startswith('/tokens') else ''}}">{{t("Pengguna", "Users")}}</a>
    <a href="/units" class="{{'on' if path == '/units' else ''}}">{{t("Unit", "Units")}}</a>
    % end
    <a href="/audit" class="{{'on' if path.startswith('/audit') else ''}}">{{t("Log Audit", "Audit log")}}</a>
  </nav>
  % end
  <div class="who">
    <a href="/lang/{{'en' if lang == 'id' else 'id'}}?next={{path}}" class="lang">{{'English' if lang == 'id' else 'Bahasa Indonesia'}}</a>
    % if user:
    <a class="user" href="/account" title="{{t('Akun saya, ganti kata sandi', 'My account, change password')}}">{{user.username}} ({{fmt.role(user.role)}})</a>
    <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button class="link">{{t("Keluar", "Log out")}}</button></form>
    % end
  </div>
</header>
% if get('hold') and hold.active:
<div class="banner hold" id="hold-banner">{{t("PENGIRIMAN DITAHAN: hanya pesan darurat yang dikirim.", "SENDING ON HOLD: only emergency messages go out.")}} {{t("Alasan", "Reason")}}: {{hold.reason or t("tidak disebut", "none given")}}. {{t("Ditahan oleh", "Held by")}} {{fmt.actor(hold.set_by)}}, {{fmt.time(hold.set_at)}}.</div>
% end
% if get('flash'):
<div class="flash {{flash[0]}}" role="status">{{flash[1]}}
% if len(flash) > 2:
 <a href="{{flash[2][0]}}" id="flash-link">{{flash[2][1]}}</a>
% end
</div>
% end
<main>
{{!base}}
</main>
<footer>Siaran · {{t("SMS untuk warga, dari kantor Anda", "SMS to residents, from your office")}} · <a href="/card">{{t("Kartu panel depan", "Front panel card")}}</a></footer>
</body>
</html>
