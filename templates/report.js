(function () {
  "use strict";
  var box = document.getElementById("filter"), only = document.getElementById("only");
  var items = document.querySelectorAll("[data-filter]"), count = document.getElementById("shown");
  var texts = [], i;
  for (i = 0; i < items.length; i++) { texts.push(items[i].textContent.toLowerCase()); }
  function apply() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean), shown = 0, j, k, ok;
    for (j = 0; j < items.length; j++) {
      ok = !only.checked || items[j].hasAttribute("data-problem");
      for (k = 0; ok && k < words.length; k++) { ok = texts[j].indexOf(words[k]) >= 0; }
      items[j].hidden = !ok;
      if (ok) { shown++; }
    }
    count.textContent = (words.length || only.checked) ? shown + " of " + items.length + " shown" : "";
  }
  function reveal() {
    var el = location.hash && document.getElementById(location.hash.slice(1));
    if (el && el.closest("[hidden]")) { box.value = ""; only.checked = false; apply(); el.scrollIntoView(); }
  }
  box.addEventListener("input", apply);
  only.addEventListener("change", apply);
  window.addEventListener("hashchange", reveal);
  document.getElementById("filters").hidden = false;
  reveal();
})();
