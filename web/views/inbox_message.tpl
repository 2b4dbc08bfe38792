% rebase('base.tpl')
% operator = user.can("operator")
<p><a href="/inbox">← {{t("Kotak Masuk", "Inbox")}}</a></p>
<h1>{{t("Pesan masuk", "Incoming message")}}</h1>
<section class="card" id="inbox-message" data-inbox="{{r['id']}}">
  <dl class="facts">
    <dt>{{t("Dari", "From")}}</dt>
    <dd>
      % if operator:
      {{fmt.national(r['number'])}}
      % else:
      {{fmt.masked(fmt.national(r['number']))}}
      % end
      % if r['contact_name']:
      · {{!'<a href="/contacts/%d">' % r['contact_id']}}{{r['contact_name']}}</a>
      % else:
      · <span class="muted">{{t("bukan kontak", "not a contact")}}</span>
      % end
    </dd>
    <dt>{{t("Diterima", "Received")}}</dt><dd>{{fmt.time(r['received_at'])}} <span class="muted">{{r['modem'] or ''}}</span></dd>
    <dt>{{t("Status", "Status")}}</dt>
    <dd id="inbox-handled">
      % if r['handled']:
      <span class="pill done">{{t("sudah ditangani", "handled")}}</span>
      % if r['handled_by']:
      {{t("oleh", "by")}} {{fmt.actor(r['handled_by'])}}, {{fmt.time(r['handled_at'])}}
      % end
      % else:
      <span class="pill queued">{{t("belum ditangani", "not handled")}}</span>
      % end
    </dd>
  </dl>
  <div class="sms">{{r['text']}}</div>
</section>

% if replies:
<section class="card" id="inbox-replies">
  <h2>{{t("Balasan ke nomor ini", "Replies to this number")}}</h2>
  <ul>
  % for m in replies:
    <li data-reply="{{m['id']}}"><span class="pill {{m['state']}}">{{fmt.state(m['state'])}}</span> {{fmt.time(m['created_at'])}} · {{t("oleh", "by")}} {{fmt.actor(m['created_by'])}}
      <div class="sms">{{m['text']}}</div></li>
  % end
  </ul>
</section>
% end

% if operator:
<section class="card" id="inbox-reply">
  <h2>{{t("Balas warga ini", "Answer this resident")}}</h2>
  % if blocked:
  <p class="error" id="reply-blocked">{{t(*blocked)}}</p>
  % else:
  % if error:
  <p class="error" role="alert">{{error}}</p>
  % end
  <form method="post" action="/inbox/{{r['id']}}/reply" class="stack" id="reply-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label for="reply-text">{{t("Isi balasan", "Reply")}}</label>
    <textarea name="text" id="reply-text" rows="4" maxlength="{{max_text}}" required>{{text}}</textarea>
    <p class="hint">{{t("Balasan dikirim sebagai satu SMS biasa lewat antrean, sebelum pesan massal. Tidak dikirim saat PENAHANAN aktif atau di luar jam kirim. Pesan ini otomatis ditandai sudah ditangani atas nama Anda.", "The reply goes through the queue as one ordinary SMS, ahead of mass messages. It is not sent while the HOLD is on or outside sending hours. This message is marked handled in your name.")}}</p>
    <div><button class="primary">{{t("Kirim balasan", "Send reply")}}</button></div>
  </form>
  % end
</section>
% end
