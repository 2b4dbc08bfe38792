% for key in ("desa", "dusun", "role", "tag"):
<datalist id="choices-{{key}}">
  % for v in choices.get(key, ()):
  <option value="{{v}}"></option>
  % end
</datalist>
% end
