// A state <select data-state-picker="country_code"> shows only the option group of the
// country chosen in the form's country_code <select> (groups are labelled "Name (CC)").
(function () {
  "use strict";
  function bind(stateSelect) {
    const form = stateSelect.form;
    const country = form && form.elements.namedItem(stateSelect.dataset.statePicker);
    if (!country) return;
    const sync = function () {
      const code = country.value;
      let keep = false;
      for (const group of stateSelect.querySelectorAll("optgroup")) {
        const match = group.label.endsWith("(" + code + ")");
        group.hidden = group.disabled = !match;
        if (match && group.contains(stateSelect.selectedOptions[0] || null)) keep = true;
      }
      const first = stateSelect.options[0];
      if (!keep && first && first.value === "" && stateSelect.value !== "") stateSelect.value = "";
    };
    country.addEventListener("change", sync);
    sync();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-state-picker]").forEach(bind);
  });
})();
