// The aims field finds LK20 aims as the teacher types (the search button does the same
// without script): found aims are added as unticked boxes; ticked ones stay.
(function () {
  "use strict";
  var query = document.getElementById("aim_query"), choices = document.getElementById("aim-choices");
  var group = document.getElementById("group");
  if (!query || !choices || !window.fetch) { return; }
  var timer = null, asked = "";

  function box(aim) {
    var id = "aim-" + aim.code;
    if (document.getElementById(id)) { return null; }
    var wrap = document.createElement("div"), input = document.createElement("input"), label = document.createElement("label");
    input.type = "checkbox"; input.id = id; input.name = "aims"; input.value = aim.code;
    label.htmlFor = id; label.className = "inline"; label.textContent = aim.code + ": " + aim.text;
    wrap.dataset.found = "yes"; wrap.appendChild(input); wrap.appendChild(document.createTextNode(" ")); wrap.appendChild(label);
    return wrap;
  }

  function show(aims) {
    Array.prototype.forEach.call(choices.querySelectorAll('div[data-found="yes"]'), function (d) {
      if (!d.querySelector("input").checked) { d.remove(); }
    });
    aims.forEach(function (aim) { var d = box(aim); if (d) { choices.appendChild(d); } });
  }

  query.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = query.value.trim();
      if (q.length < 2 || q === asked) { return; }
      asked = q;
      fetch("/teacher/aims?q=" + encodeURIComponent(q) + "&group=" + encodeURIComponent(group ? group.value : ""),
            {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {aims: []}; })
        .then(function (data) { if (query.value.trim() === q) { show(data.aims); } });
    }, 300);
  });
}());
