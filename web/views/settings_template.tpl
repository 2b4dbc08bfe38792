% rebase('base.tpl')
<p><a href="/settings#templates">« {{t("Pengaturan", "Settings")}}</a></p>
% if tpl['builtin']:
<h1>{{t("Salin template bawaan", "Copy a shipped template")}}: {{tpl['name']}}</h1>
<p class="hint">{{t("Template bawaan tidak dapat diubah (rilis baru memperbaruinya). Simpan salinannya dengan nama lain, lalu ubah sesuka Anda.", "A shipped template cannot be changed (a new release updates it). Save a copy under another name and change that.")}}</p>
% else:
<h1>{{t("Ubah template", "Edit template")}}: {{tpl['name']}}</h1>
% end
% if error:
<p class="error" role="alert">{{error}}</p>
% end
<form method="post" action="/settings/templates/{{tpl['id']}}" class="stack card">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="row">
    <label>{{t("Nama", "Name")}} <input name="name" required maxlength="100" value="{{form.get('name') or ''}}{{t(' (salinan)', ' (copy)') if tpl['builtin'] and form is tpl else ''}}"></label>
    <label>{{t("Kategori", "Category")}} <input name="category" maxlength="40" value="{{form.get('category') or ''}}"></label>
      <label>{{t("Unit", "Unit")}}
        <select name="unit">
          <option value="">{{t("Semua unit (bersama)", "Every unit (shared)")}}</option>
          % for un in units:
          <option value="{{un['id']}}"{{!' selected' if str(un['id']) == str(form.get('unit') or '') else ''}}>{{un['name']}}</option>
          % end
        </select>
      </label>
  </div>
  <label>{{t("Teks", "Text")}} <textarea name="text" required maxlength="1800">{{form.get('text') or ''}}</textarea></label>
  <p class="hint">{{t("Isian per penerima", "Per-recipient placeholders")}}: {nama} {jabatan} {rt} {rw} {desa} {dusun} · {{t("bagian kosong", "blanks")}}: [[tanggal]] [[tempat]] …</p>
  <div><button class="primary">{{t("Simpan salinan", "Save a copy") if tpl['builtin'] else t("Simpan", "Save")}}</button> <a href="/settings#templates">{{t("Batal", "Cancel")}}</a></div>
</form>
% if not tpl['builtin']:
<form method="post" action="/settings/templates/{{tpl['id']}}/delete" data-confirm="{{t('Hapus template ini?', 'Delete this template?')}}">
  <input type="hidden" name="csrf" value="{{csrf}}"><button class="danger">{{t("Hapus template", "Delete template")}}</button>
</form>
% end
