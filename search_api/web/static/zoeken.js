/* Suggestions while typing for the citizen search page (progressive enhancement: without this
   file the page is a plain search form). The search box becomes a WAI-ARIA 1.2 combobox with a
   listbox fed by GET /suggest: arrow keys move, Enter chooses, Escape closes, Tab leaves.
   Choosing a suggestion searches its text, so the citizen gets the answer, the department and
   the results for it. A polite live region announces the number of suggestions and results. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;
  var MIN_CHARS = 2;
  var status = document.getElementById("zoek-status");

  function announce(text) {
    if (!status) return;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 100);
  }

  var count = document.querySelector("[data-announce]");
  if (count) announce(count.textContent.trim());

  var input = document.getElementById("zoekvraag");
  if (!input || !window.fetch || !input.form) return;
  var form = input.form;
  var url = input.getAttribute("data-suggest-url");

  var field = document.createElement("div");
  field.className = "utrecht-search-bar__field";
  input.parentNode.insertBefore(field, input);
  field.appendChild(input);

  var listbox = document.createElement("ul");
  listbox.id = "zoekvraag-suggesties";
  listbox.className = "utrecht-search-bar__dropdown";
  listbox.setAttribute("role", "listbox");
  listbox.setAttribute("aria-label", "Suggesties");
  listbox.hidden = true;
  field.appendChild(listbox);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listbox.id);
  input.setAttribute("autocomplete", "off");

  var suggestions = [];
  var active = -1;
  var timer = null;
  var pending = null;
  var lastAnnounced = null;

  function options() { return listbox.querySelectorAll("[role=option]"); }

  function setActive(index) {
    var items = options();
    active = index;
    for (var i = 0; i < items.length; i++) {
      var on = i === index;
      items[i].setAttribute("aria-selected", on ? "true" : "false");
      items[i].classList.toggle("utrecht-search-bar__option--active", on);
    }
    if (index >= 0 && items[index]) {
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    setActive(-1);
  }

  function open() {
    if (!suggestions.length) return;
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function choose(index) {
    var suggestion = suggestions[index];
    if (!suggestion) return;
    input.value = suggestion.text;
    close();
    form.submit();
  }

  function render(items) {
    suggestions = items;
    listbox.textContent = "";
    items.forEach(function (item, index) {
      var option = document.createElement("li");
      option.id = "zoekvraag-optie-" + index;
      option.className = "utrecht-search-bar__option";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.textContent = item.text;
      if (item.title && item.title.toLowerCase() !== item.text.toLowerCase()) {
        var title = document.createElement("span");
        title.className = "vbs-option__title";
        title.textContent = item.title;
        option.appendChild(title);
      }
      option.addEventListener("mousedown", function (event) { event.preventDefault(); });
      option.addEventListener("click", function () { choose(index); });
      listbox.appendChild(option);
    });
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (items.length) open(); else close();
    var text = items.length === 1 ? "1 suggestie" : items.length + " suggesties";
    if (text !== lastAnnounced) {
      lastAnnounced = text;
      announce(text);
    }
  }

  function fetchSuggestions() {
    var text = input.value.trim();
    if (text.length < MIN_CHARS) {
      suggestions = [];
      lastAnnounced = null;
      close();
      return;
    }
    if (pending) pending.abort();
    pending = window.AbortController ? new AbortController() : null;
    window.fetch(url + "?q=" + encodeURIComponent(text), {
      headers: { Accept: "application/json" },
      signal: pending ? pending.signal : undefined,
    }).then(function (response) {
      return response.ok ? response.json() : { suggestions: [] };
    }).then(function (body) {
      if (input.value.trim() === text) render(body.suggestions || []);
    }).catch(function () { /* aborted or offline: the form still works */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(fetchSuggestions, DEBOUNCE_MS);
  });

  input.addEventListener("keydown", function (event) {
    var expanded = !listbox.hidden;
    var total = suggestions.length;
    switch (event.key) {
      case "ArrowDown":
        if (!total) return;
        event.preventDefault();
        if (!expanded) { open(); setActive(0); } else { setActive(active + 1 >= total ? 0 : active + 1); }
        break;
      case "ArrowUp":
        if (!total) return;
        event.preventDefault();
        if (!expanded) { open(); setActive(total - 1); } else { setActive(active <= 0 ? total - 1 : active - 1); }
        break;
      case "Enter":
        if (expanded && active >= 0) {
          event.preventDefault();
          choose(active);
        }
        break;
      case "Escape":
        if (expanded) {
          event.preventDefault();
          close();
        }
        break;
      case "Tab":
        close();
        break;
      default:
        break;
    }
  });

  input.addEventListener("blur", function () { window.setTimeout(close, 150); });
})();
