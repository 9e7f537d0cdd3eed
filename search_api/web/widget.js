/* <kb-zoeken>: the citizen search of the municipality, for the municipality's own web site.

   <script src="https://SERVICE/zoeken/widget.js" integrity="sha384-..." crossorigin="anonymous" defer></script>
   <kb-zoeken></kb-zoeken>

   The same search box with suggestions (a WAI-ARIA 1.2 combobox), the same answer, department,
   "Bedoelt u ...?" choices, results and "Was dit antwoord nuttig?" as the search page, from the
   same engine (GET /search, GET /suggest, POST /feedback of the service this file came from).
   Its searches go into the service's search log as channel `widget` (header X-KB-Channel), and
   which result was opened: by the service's article page, or by POST /clicks when `article-url`
   leads to the host site's own pages. One file, no framework, no cookies, no storage, no request
   to anyone else. Styles live in the
   element's shadow root; the host page themes them with NL Design System (Utrecht) custom
   properties, e.g. `kb-zoeken { --utrecht-button-primary-action-background-color: #c00000; }`.

   Attributes: `service` (the search service's address; default: where this file came from),
   `label` (the search box's label), `heading-level` (2 to 6, default 2), `article-url` (a link
   template with {id} for the host site's own article pages; default: the service's pages). */
(function () {
  "use strict";
  if (!window.customElements || !window.fetch || window.customElements.get("kb-zoeken")) return;

  var SCRIPT = document.currentScript;
  var ORIGIN = SCRIPT && SCRIPT.src ? new URL(SCRIPT.src, document.baseURI).origin : window.location.origin;
  var DEBOUNCE_MS = 150;
  var MIN_CHARS = 2;
  var PAGE_RESULTS = 5;
  var NARROWED_RESULTS = 20;
  var STOP = " aan als bij dan dat die dit een het hoe ik ik je kan kun mag met mij mijn moet naar niet of ook op te tot uw van voor waar wat wie wil zijn ";
  var CSS = [
    ":host{display:block;font-family:var(--utrecht-document-font-family,system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif);",
    "font-size:var(--utrecht-document-font-size,1.125rem);line-height:var(--utrecht-document-line-height,1.5);",
    "color:var(--utrecht-document-color,#1a1a1a);overflow-wrap:break-word}",
    ":host([hidden]){display:none}",
    "*,*::before,*::after{box-sizing:border-box}",
    ".label{display:block;font-weight:700;margin-block-end:.25rem}",
    ".bar{display:flex;flex-wrap:wrap;gap:var(--utrecht-search-bar-gap,.5rem)}",
    ".field{position:relative;flex:1 1 12rem;min-inline-size:0}",
    "input,textarea{font:inherit;color:inherit;background:#fff;inline-size:100%;",
    "min-block-size:var(--utrecht-textbox-min-block-size,2.75rem);padding:.4rem var(--utrecht-textbox-padding-inline,.75rem);",
    "border:var(--utrecht-textbox-border-width,2px) solid var(--utrecht-textbox-border-color,#6b6b6b);",
    "border-radius:var(--utrecht-textbox-border-radius,4px)}",
    "input[aria-invalid=true]{border-color:var(--utrecht-textbox-invalid-border-color,#b00020)}",
    "button{font:inherit;font-weight:var(--utrecht-button-font-weight,700);cursor:pointer;",
    "min-block-size:var(--utrecht-button-min-block-size,2.75rem);padding-inline:var(--utrecht-button-padding-inline,1.25rem);",
    "border-radius:var(--utrecht-button-border-radius,4px);border:2px solid transparent}",
    ".primary{background:var(--utrecht-button-primary-action-background-color,#00527a);color:var(--utrecht-button-primary-action-color,#fff)}",
    ".primary:hover{background:var(--utrecht-button-primary-action-hover-background-color,#003b58)}",
    ".secondary{background:var(--utrecht-button-secondary-action-background-color,#fff);",
    "color:var(--utrecht-button-secondary-action-color,#00527a);border-color:var(--utrecht-button-secondary-action-border-color,#00527a)}",
    ".linkish{background:none;border:0;padding:0;min-block-size:0;font-weight:400;text-decoration:underline;",
    "color:var(--utrecht-link-color,#00527a)}",
    "a{color:var(--utrecht-link-color,#00527a);text-decoration:underline;text-underline-offset:.15em}",
    "a:hover{color:var(--utrecht-link-hover-color,#003b58)}",
    ":focus-visible{outline:var(--utrecht-focus-outline-width,3px) var(--utrecht-focus-outline-style,solid) ",
    "var(--utrecht-focus-outline-color,#000);outline-offset:var(--utrecht-focus-outline-offset,2px)}",
    "a:focus-visible,.linkish:focus-visible{background:var(--utrecht-focus-background-color,#fd0);color:#000}",
    "[role=listbox]{position:absolute;z-index:5;inset-inline:0;inset-block-start:100%;margin:.25rem 0 0;padding:0;list-style:none;",
    "background:var(--utrecht-search-bar-dropdown-background-color,#fff);",
    "border:1px solid var(--utrecht-search-bar-dropdown-border-color,#6b6b6b);border-radius:4px;",
    "box-shadow:var(--utrecht-search-bar-dropdown-box-shadow,0 4px 12px rgb(0 0 0/20%))}",
    "[hidden]{display:none!important}",
    "[role=option]{cursor:pointer;padding:var(--utrecht-search-bar-option-padding-block,.5rem) ",
    "var(--utrecht-search-bar-option-padding-inline,.75rem)}",
    "[role=option]:hover{background:#f3f6f8}",
    "[role=option][aria-selected=true]{background:var(--utrecht-search-bar-option-active-background-color,#00527a);",
    "color:var(--utrecht-search-bar-option-active-color,#fff);outline:3px solid #000;outline-offset:-3px}",
    ".option-title{display:block;font-size:.9rem}",
    ".heading{font-size:var(--utrecht-heading-3-font-size,1.2rem);line-height:1.25;margin:1rem 0 .5rem}",
    ".card{border-inline-start:6px solid var(--kb-zoeken-accent-color,#00527a);background:var(--kb-zoeken-surface-color,#f3f6f8);",
    "padding:.25rem 1rem .75rem;margin-block:1rem}",
    ".card.none{border-inline-start-color:#b35c00;background:var(--kb-zoeken-notice-color,#fff4d6)}",
    ".notice{border:2px solid var(--kb-zoeken-accent-color,#00527a);padding:.5rem 1rem;font-weight:700}",
    ".error{color:var(--utrecht-form-field-error-message-color,#b00020);font-weight:700}",
    ".uncertain{font-weight:700;color:#7a3d00}",
    "dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25rem 1rem;margin:.5rem 0}",
    "dt{font-weight:700}dd{margin:0;overflow-wrap:anywhere}",
    "@media (max-width:30rem){dl{grid-template-columns:minmax(0,1fr)}dd{margin-block-end:.5rem}}",
    "ol{list-style:none;padding:0;margin:0}",
    "li.result{border-block-end:1px solid #d0d7dc;padding-block:.5rem 1rem}",
    "ol.uncertain li.result{border-inline-start:4px dashed #b35c00;padding-inline-start:.75rem;font-weight:400;color:inherit}",
    ".result p{margin:.25rem 0 0}.section{color:#4a4a4a;font-size:1rem}",
    "mark{background:var(--utrecht-mark-background-color,#fff0a8);color:var(--utrecht-mark-color,inherit);padding-inline:.1em}",
    "fieldset{border:0;padding:0;margin:1.5rem 0 0;min-inline-size:0}",
    "legend{font-weight:700;padding:0;margin-block-end:.5rem}",
    ".choices{display:flex;gap:1.5rem;margin-block-end:.75rem}",
    ".choices label{display:inline-flex;align-items:center;gap:.5rem;min-block-size:2.75rem}",
    "input[type=radio]{inline-size:1.4rem;block-size:1.4rem;min-block-size:0;margin:0;accent-color:#00527a}",
    ".hint{color:#4a4a4a;font-size:1rem;margin:.25rem 0}",
    "fieldset button{margin-block-start:.75rem}",
    ".visually-hidden{position:absolute;inline-size:1px;block-size:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}",
  ].join("");

  var sheet = null;
  function styles(root) {
    try {
      if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); }
      root.adoptedStyleSheets = [sheet];
    } catch (unsupported) {
      var style = document.createElement("style");
      style.textContent = CSS;
      root.appendChild(style);
    }
  }

  /* A small DOM builder: el("p", {class: "x"}, "text", child, ...). Text is always text, never HTML. */
  function el(name, attributes) {
    var node = document.createElement(name);
    Object.keys(attributes || {}).forEach(function (key) {
      var value = attributes[key];
      if (value === null || value === undefined || value === false) return;
      if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function terms(texts) {
    var found = [];
    texts.join(" ").toLowerCase().split(/[^\p{L}\p{N}]+/u).forEach(function (word) {
      if (word.length >= 3 && STOP.indexOf(" " + word + " ") < 0) found.push(word.slice(0, Math.max(4, word.length - 2)));
    });
    return found;
  }

  /* The text with every word that starts with, or contains, a search word inside <mark>. */
  function marked(text, wanted) {
    var out = document.createDocumentFragment();
    var pattern = /[\p{L}\p{N}]+/gu;
    var position = 0;
    var match;
    while ((match = pattern.exec(text))) {
      var lower = match[0].toLowerCase();
      var hit = wanted.some(function (stem) { return lower.indexOf(stem) >= 0; });
      if (!hit) continue;
      out.appendChild(document.createTextNode(text.slice(position, match.index)));
      out.appendChild(el("mark", null, match[0]));
      position = match.index + match[0].length;
    }
    out.appendChild(document.createTextNode(text.slice(position)));
    return out;
  }

  function plural(count, one, more) { return count + " " + (count === 1 ? one : more); }

  function contact(details) {
    var list = el("dl");
    function row(label, value) { list.appendChild(el("dt", null, label)); list.appendChild(el("dd", null, value)); }
    if (details.phone) row("Telefoon", el("a", { href: "tel:" + details.phone.replace(/\s/g, "") }, details.phone));
    if (details.email) row("E-mail", el("a", { href: "mailto:" + details.email }, details.email));
    if (details.web && /^https?:\/\//.test(details.web)) row("Website", el("a", { href: details.web }, details.web.replace(/^https:\/\//, "")));
    if (details.hours) row("Openingstijden", details.hours);
    return list;
  }

  class KbZoeken extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      var self = this;
      var root = this.attachShadow({ mode: "open" });
      styles(root);
      this.service = (this.getAttribute("service") || ORIGIN).replace(/\/+$/, "");
      var level = parseInt(this.getAttribute("heading-level") || "2", 10);
      this.level = level >= 2 && level <= 6 ? level : 2;
      this.suggestions = [];
      this.active = -1;

      this.input = el("input", {
        id: "vraag", type: "search", name: "q", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
        "aria-controls": "suggesties", autocomplete: "off", spellcheck: "false", maxlength: "500",
      });
      this.listbox = el("ul", { id: "suggesties", role: "listbox", "aria-label": "Suggesties", hidden: true });
      this.inputError = el("p", { id: "vraag-fout", class: "error", hidden: true });
      this.status = el("div", { class: "visually-hidden", role: "status", "aria-live": "polite" });
      this.output = el("div", { class: "output" });
      this.form = el("form", { role: "search", "aria-label": "Zoeken bij de gemeente", onsubmit: function (event) {
        event.preventDefault();
        self.search(self.input.value, null);
      } },
        el("label", { for: "vraag", class: "label" }, this.getAttribute("label") || "Wat wilt u weten?"),
        this.inputError,
        el("div", { class: "bar" }, el("div", { class: "field" }, this.input, this.listbox),
          el("button", { type: "submit", class: "primary" }, "Zoeken")));
      root.appendChild(this.form);
      root.appendChild(this.status);
      root.appendChild(this.output);

      this.input.addEventListener("input", function () {
        window.clearTimeout(self.timer);
        self.timer = window.setTimeout(function () { self.suggest(); }, DEBOUNCE_MS);
      });
      this.input.addEventListener("keydown", function (event) { self.key(event); });
      this.input.addEventListener("blur", function () { window.setTimeout(function () { self.close(); }, 150); });
    }

    announce(text) {
      var status = this.status;
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 100);
    }

    heading(text) {
      return el("h" + this.level, { class: "heading" }, text);
    }

    request(path, options) {
      return window.fetch(this.service + path, Object.assign({ credentials: "omit", mode: "cors", referrerPolicy: "no-referrer" }, options))
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            if (!response.ok) throw new Error(body.detail || "De zoekfunctie is nu niet bereikbaar. Probeer het later opnieuw.");
            return body;
          });
        }, function () { throw new Error("De zoekfunctie is nu niet bereikbaar. Probeer het later opnieuw."); });
    }

    /* Suggestions: a WAI-ARIA 1.2 combobox; arrow keys move, Enter chooses, Escape closes, Tab leaves. */
    suggest() {
      var self = this;
      var text = this.input.value.trim();
      if (text.length < MIN_CHARS) { this.render([]); return; }
      if (this.pending) this.pending.abort();
      this.pending = window.AbortController ? new AbortController() : null;
      this.request("/suggest?q=" + encodeURIComponent(text), { signal: this.pending && this.pending.signal })
        .then(function (body) { if (self.input.value.trim() === text) self.render(body.suggestions || [], true); })
        .catch(function () { /* the search button still works */ });
    }

    render(items, announce) {
      var self = this;
      this.suggestions = items;
      this.listbox.textContent = "";
      items.forEach(function (item, index) {
        var option = el("li", { id: "suggestie-" + index, role: "option", "aria-selected": "false",
          onmousedown: function (event) { event.preventDefault(); }, onclick: function () { self.choose(index); } }, item.text);
        if (item.title && item.title.toLowerCase() !== item.text.toLowerCase()) option.appendChild(el("span", { class: "option-title" }, item.title));
        self.listbox.appendChild(option);
      });
      this.setActive(-1);
      if (items.length) this.open(); else this.close();
      var text = plural(items.length, "suggestie", "suggesties");
      if (announce && text !== this.lastAnnounced) { this.lastAnnounced = text; this.announce(text); }
      if (!items.length) this.lastAnnounced = null;
    }

    open() {
      if (!this.suggestions.length) return;
      this.listbox.hidden = false;
      this.input.setAttribute("aria-expanded", "true");
    }

    close() {
      this.listbox.hidden = true;
      this.input.setAttribute("aria-expanded", "false");
      this.setActive(-1);
    }

    setActive(index) {
      var options = this.listbox.querySelectorAll("[role=option]");
      this.active = index;
      for (var i = 0; i < options.length; i++) options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      if (index >= 0 && options[index]) {
        this.input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        this.input.removeAttribute("aria-activedescendant");
      }
    }

    choose(index) {
      var suggestion = this.suggestions[index];
      if (!suggestion) return;
      this.input.value = suggestion.text;
      this.close();
      this.search(suggestion.text, null);
    }

    key(event) {
      var expanded = !this.listbox.hidden;
      var total = this.suggestions.length;
      if ((event.key === "ArrowDown" || event.key === "ArrowUp") && total) {
        event.preventDefault();
        var down = event.key === "ArrowDown";
        if (!expanded) { this.open(); this.setActive(down ? 0 : total - 1); return; }
        this.setActive(down ? (this.active + 1) % total : (this.active <= 0 ? total - 1 : this.active - 1));
      } else if (event.key === "Enter" && expanded && this.active >= 0) {
        event.preventDefault();
        this.choose(this.active);
      } else if (event.key === "Escape" && expanded) {
        event.preventDefault();
        this.close();
      } else if (event.key === "Tab") {
        this.close();
      }
    }

    /* A link to an article with `content` in it; `position` 0 is the answer's link, 1 the first result (for the search log). */
    articleLink(r, id, position, content) {
      var self = this;
      var template = this.getAttribute("article-url");
      if (template) {
        return el("a", { href: template.replace("{id}", encodeURIComponent(id)), onclick: function () {
          if (!r.search_id) return;
          self.request("/clicks", { method: "POST", keepalive: true, headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ search_id: r.search_id, article_id: id, position: position }) }).catch(function () {});
        } }, content);
      }
      return el("a", { href: this.service + "/zoeken/artikel/" + encodeURIComponent(id) + "?q=" + encodeURIComponent(r.query) +
        (r.search_id ? "&zoekopdracht=" + encodeURIComponent(r.search_id) + "&positie=" + position : "") }, content);
    }

    search(text, department) {
      var self = this;
      var query = text.replace(/\s+/g, " ").trim();
      window.clearTimeout(this.timer);  // no suggestions for a question that is asked already
      if (this.pending) this.pending.abort();
      this.close();
      if (!query) {
        this.inputError.textContent = "Typ eerst uw vraag.";
        this.inputError.hidden = false;
        this.input.setAttribute("aria-invalid", "true");
        this.input.setAttribute("aria-describedby", "vraag-fout");
        this.input.focus();
        return;
      }
      this.inputError.hidden = true;
      this.input.removeAttribute("aria-invalid");
      this.input.removeAttribute("aria-describedby");
      var path = "/search?q=" + encodeURIComponent(query) + "&limit=" + (department ? NARROWED_RESULTS : PAGE_RESULTS) +
        (department ? "&department=" + encodeURIComponent(department) : "");
      this.request(path, { headers: { Accept: "application/json", "X-KB-Channel": "widget" } })
        .then(function (response) { self.show(response, department); })
        .catch(function (error) {
          self.output.textContent = "";
          self.output.appendChild(el("p", { class: "error" }, error.message));
          self.announce(error.message);
        });
    }

    show(r, department) {
      var self = this;
      var out = this.output;
      var status = r.results.length ? r.routing.status : "no_results";
      var nothing = status === "off_topic" || status === "no_results";
      var narrowed = department && r.routing.status !== "off_topic";
      var wanted = terms([r.query].concat(r.corrections.map(function (c) { return c.suggestion; })));
      out.textContent = "";
      if (r.notice) out.appendChild(el("p", { class: "notice", lang: r.notice.lang, dir: r.notice.dir }, r.notice.text));
      if (r.corrections.length) {
        var also = el("p", null, "Ook gezocht op: ");
        r.corrections.forEach(function (c, i) {
          also.appendChild(el("strong", null, c.suggestion));
          also.appendChild(document.createTextNode(" (u typte: " + c.original + ")" + (i < r.corrections.length - 1 ? ", " : "")));
        });
        out.appendChild(also);
      }
      if (nothing) {
        var none = el("section", { class: "card none" }, this.heading("Hierover hebben we geen informatie"),
          el("p", null, "Wij konden uw vraag niet beantwoorden met de informatie op deze website."),
          el("p", null, "Tip: gebruik minder woorden, controleer de spelling of gebruik een ander woord met dezelfde betekenis."));
        if (r.general_desk) {
          none.appendChild(el("p", null, "Het " + r.general_desk.name + " helpt u verder."));
          none.appendChild(contact(r.general_desk.contact));
        }
        out.appendChild(none);
      } else {
        if (status === "ambiguous" && r.routing.alternatives.length && !narrowed) {
          var choices = el("ul");
          r.routing.alternatives.forEach(function (alternative) {
            choices.appendChild(el("li", null, el("button", { type: "button", class: "linkish",
              onclick: function () { self.search(r.query, alternative.id); } }, alternative.name)));
          });
          out.appendChild(el("section", { class: "card" }, this.heading("Bedoelt u ...?"),
            el("p", null, "Uw vraag past bij meer dan één afdeling. Kies wat u bedoelt:"), choices));
        }
        if (narrowed) {
          out.appendChild(el("p", null, "U ziet alleen resultaten van ", el("strong", null, r.department.name), ". ",
            el("button", { type: "button", class: "linkish", onclick: function () { self.search(r.query, null); } }, "Toon alle resultaten")));
        }
        if (r.answer) {
          out.appendChild(el("section", { class: "card" }, this.heading("Antwoord"), el("p", null, r.answer.text),
            el("p", null, "Bron: " + r.answer.title + ", onderdeel '" + r.answer.section + "'. ",
              this.articleLink(r, r.answer.article_id, 0, "Lees alles over " + r.answer.title))));
        }
        if (r.department) {
          var desk = r.department;
          out.appendChild(el("section", { class: "card" },
            this.heading(desk.external ? "Dit regelt u niet bij de gemeente, maar bij " + desk.name : "Hiermee helpt " + desk.name + " u verder"),
            desk.external ? el("p", null, desk.description) : null, contact(desk.contact)));
        }
      }
      var count = nothing ? "Hierover hebben we geen informatie" : plural(r.results.length, "resultaat", "resultaten") + " gevonden";
      if (r.results.length) {
        var list = el("ol", { class: nothing ? "uncertain" : null });
        r.results.forEach(function (result, index) {
          var link = self.articleLink(r, result.article_id, index + 1, marked(result.title, wanted));
          var snippet = el("p");
          snippet.appendChild(marked(result.snippet, wanted));
          list.appendChild(el("li", { class: "result" }, el("h" + Math.min(6, self.level + 1), { class: "heading" }, link),
            el("p", { class: "section" }, result.section), snippet));
        });
        out.appendChild(el("section", null, this.heading(nothing ? "Misschien heeft u hier iets aan" : count),
          nothing ? el("p", { class: "uncertain" }, "Let op: wij weten niet zeker of deze pagina's uw vraag beantwoorden.") : null,
          list, r.results.length === PAGE_RESULTS && !department
            ? el("p", null, el("a", { href: this.service + "/zoeken?q=" + encodeURIComponent(r.query) + "&meer=1" }, "Meer resultaten"))
            : null));
      } else if (narrowed) {
        out.appendChild(el("p", null, "Bij deze afdeling vonden we niets over uw vraag."));
      }
      out.appendChild(this.feedback(r));
      this.announce(count);
    }

    /* "Was dit antwoord nuttig?": POST /feedback (channel web), then a thank-you. */
    feedback(r) {
      var self = this;
      var error = el("p", { id: "reactie-fout", class: "error", hidden: true });
      var yes = el("input", { type: "radio", name: "nuttig", value: "ja", id: "nuttig-ja" });
      var no = el("input", { type: "radio", name: "nuttig", value: "nee", id: "nuttig-nee" });
      var comment = el("textarea", { id: "opmerking", rows: "3", maxlength: "1000", "aria-describedby": "opmerking-hulp" });
      var box = el("section", { class: "feedback" });
      var form = el("form", { onsubmit: function (event) {
        event.preventDefault();
        if (!yes.checked && !no.checked) {
          error.textContent = "Kies Ja of Nee.";
          error.hidden = false;
          fieldset.setAttribute("aria-describedby", "reactie-fout");
          yes.focus();
          return;
        }
        var body = { query: r.query, helpful: yes.checked, comment: comment.value.trim() || null,
          article_id: r.answer ? r.answer.article_id : null, department_id: r.department ? r.department.id : null,
          search_id: r.search_id || null };
        self.request("/feedback", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
          .then(function () {
            var thanks = self.heading("Bedankt voor uw reactie");
            thanks.setAttribute("tabindex", "-1");
            box.textContent = "";
            box.appendChild(thanks);
            box.appendChild(el("p", null, "Wij gebruiken uw reactie om onze informatie te verbeteren."));
            thanks.focus();
          })
          .catch(function (failure) {
            error.textContent = failure.message;
            error.hidden = false;
            fieldset.setAttribute("aria-describedby", "reactie-fout");
          });
      } });
      var fieldset = el("fieldset", null, el("legend", null, "Was dit antwoord nuttig?"), error,
        el("div", { class: "choices" }, el("label", null, yes, " Ja"), el("label", null, no, " Nee")),
        el("label", { for: "opmerking", class: "label" }, "Opmerking (niet verplicht)"),
        el("p", { id: "opmerking-hulp", class: "hint" },
          "Schrijf geen persoonlijke gegevens op, zoals uw naam of burgerservicenummer. U krijgt geen antwoord op uw opmerking."),
        comment, el("button", { type: "submit", class: "secondary" }, "Verstuur"));
      form.appendChild(fieldset);
      box.appendChild(form);
      return box;
    }
  }

  window.customElements.define("kb-zoeken", KbZoeken);
})();
