// onix-os.com: the only script. Pages work without it; it adds the search box, the theme
// toggle (light, dark, or the system's), copy buttons, closes the small-screen menu on Escape
// and marks the section in view in the table of contents. (The remembered theme is applied
// before first paint by an inline script in <head>.)
(() => {
  var root = document.documentElement;
  var media = window.matchMedia('(prefers-color-scheme: dark)');

  // Theme: "system" (nothing stored: the CSS follows prefers-color-scheme), "light" or "dark".
  var THEMES = ['system', 'light', 'dark'];
  function storedTheme() {
    try {
      var t = localStorage.getItem('onix-theme');
      return t === 'light' || t === 'dark' ? t : 'system';
    } catch {
      return 'system';
    }
  }
  var toggle = document.querySelector('.theme-toggle');
  function syncToggle() {
    if (!toggle) return;
    var choice = storedTheme();
    var next = THEMES[(THEMES.indexOf(choice) + 1) % THEMES.length];
    var shown = choice === 'system' ? `system (${media.matches ? 'dark' : 'light'})` : choice;
    toggle.dataset.choice = choice;
    toggle.setAttribute('aria-label', `Theme: ${shown}. Press for ${next}.`);
    toggle.title = `Theme: ${shown} (press for ${next})`;
  }
  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener('click', () => {
      var next = THEMES[(THEMES.indexOf(storedTheme()) + 1) % THEMES.length];
      try {
        if (next === 'system') localStorage.removeItem('onix-theme');
        else localStorage.setItem('onix-theme', next);
      } catch {
        /* private mode: not remembered */
      }
      if (next === 'system') delete root.dataset.theme;
      else root.dataset.theme = next;
      syncToggle();
    });
    media.addEventListener('change', syncToggle);
    syncToggle();
  }

  // Small screens: the nav folds behind a checkbox (works without JS); Escape closes it.
  var menu = document.getElementById('menu-toggle');
  if (menu) {
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && menu.checked) {
        menu.checked = false;
        menu.focus();
      }
    });
  }

  // The table of contents marks the section in view: the last heading above the top fifth.
  var tocLinks = Array.prototype.slice.call(document.querySelectorAll('.toc a[href^="#"]'));
  var sections = tocLinks.map((a) => document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1))));
  var tocPending = false;
  function markSection() {
    tocPending = false;
    var line = window.innerHeight / 5;
    var current = -1;
    sections.forEach((heading, i) => {
      if (heading && heading.getBoundingClientRect().top <= line) current = i;
    });
    // At the very bottom the last sections may never reach the line: mark the last one.
    if (window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2 && sections.length) current = sections.length - 1;
    tocLinks.forEach((a, i) => {
      if (i === current) a.setAttribute('aria-current', 'location');
      else a.removeAttribute('aria-current');
    });
  }
  if (tocLinks.length) {
    window.addEventListener(
      'scroll',
      () => {
        if (!tocPending) {
          tocPending = true;
          window.requestAnimationFrame(markSection);
        }
      },
      { passive: true },
    );
    markSection();
  }

  // Search: Pagefind's index, built with the site into /pagefind/ (the box names its script;
  // the dev server has no index and renders no box). The box appears once the script loads.
  var search = document.querySelector('.site-search');
  if (search) setUpSearch(search);

  function setUpSearch(box) {
    var input = box.querySelector('.search-input');
    var panel = box.querySelector('.search-panel');
    var list = box.querySelector('.search-results');
    var status = box.querySelector('.search-status');
    var engine = null;
    var ready = null;
    var asked = 0;
    var timer = 0;
    import(box.getAttribute('data-bundle')).then(
      (pagefind) => {
        engine = pagefind;
        box.hidden = false;
      },
      () => {
        /* no index: no search box */
      },
    );

    function init() {
      if (!ready) {
        ready = Promise.resolve(engine.options({ excerptLength: 22 })).then(() => engine.init());
      }
      return ready;
    }
    function links() {
      return Array.prototype.slice.call(list.querySelectorAll('a'));
    }
    function open(on) {
      panel.hidden = !on;
    }

    /** A Pagefind excerpt as nodes: its text, with the matches in <mark> (nothing else is kept). */
    function excerptNodes(html) {
      var doc = new DOMParser().parseFromString(`<p>${html}</p>`, 'text/html');
      var out = document.createDocumentFragment();
      doc.body.firstChild.childNodes.forEach((node) => {
        if (node.nodeType === 1 && node.nodeName === 'MARK') {
          var mark = document.createElement('mark');
          mark.textContent = node.textContent;
          out.appendChild(mark);
        } else out.appendChild(document.createTextNode(node.textContent));
      });
      return out;
    }

    function show(results, query) {
      list.textContent = '';
      results.forEach((r) => {
        // The section with the most matches (a heading with an id), else the page.
        var sub = null;
        (r.sub_results || []).forEach((s) => {
          if (s.url !== r.url && (!sub || (s.locations || []).length > (sub.locations || []).length)) sub = s;
        });
        var best = sub || r;
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = best.url;
        var title = document.createElement('span');
        title.className = 'search-title';
        title.textContent = r.meta?.title ? r.meta.title : r.url;
        a.appendChild(title);
        if (sub?.title) {
          var heading = document.createElement('span');
          heading.className = 'search-heading';
          heading.textContent = sub.title;
          a.appendChild(heading);
        }
        var excerpt = document.createElement('span');
        excerpt.className = 'search-excerpt';
        excerpt.appendChild(excerptNodes(best.excerpt || r.excerpt || ''));
        a.appendChild(excerpt);
        li.appendChild(a);
        list.appendChild(li);
      });
      status.textContent = results.length
        ? `${results.length + (results.length === 1 ? ' result' : ' results')} for \u201c${query}\u201d`
        : `No results for \u201c${query}\u201d`;
      open(true);
    }

    function run() {
      var query = input.value.trim();
      var ticket = ++asked;
      if (!query) {
        list.textContent = '';
        status.textContent = '';
        open(false);
        return;
      }
      init()
        .then(() => engine.search(query))
        .then((found) => Promise.all(found.results.slice(0, 8).map((r) => r.data())))
        .then(
          (results) => {
            if (ticket === asked) show(results, query);
          },
          () => {
            if (ticket === asked) {
              list.textContent = '';
              status.textContent = 'Search failed to load';
              open(true);
            }
          },
        );
    }

    input.addEventListener('focus', () => {
      if (engine) init();
      if (list.firstChild) open(true);
    });
    input.addEventListener('input', () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(run, 80);
    });
    input.addEventListener('keydown', (event) => {
      var all = links();
      if (event.key === 'ArrowDown' && all.length) {
        event.preventDefault();
        all[0].focus();
      } else if (event.key === 'Enter' && all.length) {
        event.preventDefault();
        window.location.href = all[0].href;
      } else if (event.key === 'Escape') {
        input.value = '';
        run();
      }
    });
    list.addEventListener('keydown', (event) => {
      var all = links();
      var at = all.indexOf(document.activeElement);
      if (event.key === 'ArrowDown') {
        event.preventDefault();
        if (at < all.length - 1) all[at + 1].focus();
      } else if (event.key === 'ArrowUp') {
        event.preventDefault();
        if (at > 0) all[at - 1].focus();
        else input.focus();
      } else if (event.key === 'Escape') {
        event.preventDefault();
        open(false);
        input.focus();
      }
    });
    box.addEventListener('focusout', (event) => {
      if (!box.contains(event.relatedTarget)) open(false);
    });
    // "/" anywhere but in a field focuses the search box.
    document.addEventListener('keydown', (event) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || box.hidden) return;
      var t = event.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      event.preventDefault();
      input.focus();
      input.select();
    });
  }

  // Copy buttons. A transcript copies only its commands (no prompts, no output).
  function textToCopy(figure) {
    if (figure.classList.contains('transcript')) {
      var lines = [];
      figure.querySelectorAll('.line.cmd .command').forEach((c) => {
        lines.push(c.textContent);
      });
      return lines.join('\n');
    }
    var code = figure.querySelector('pre code');
    return code ? code.textContent : '';
  }
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise((resolve, reject) => {
      var area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand('copy');
      document.body.removeChild(area);
      ok ? resolve() : reject(new Error('copy failed'));
    });
  }
  document.querySelectorAll('figure.code-block').forEach((figure) => {
    var head = figure.querySelector('.code-head');
    if (!head) return;
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'copy-button';
    button.textContent = 'Copy';
    button.setAttribute('aria-label', figure.classList.contains('transcript') ? 'Copy commands' : 'Copy code');
    var status = document.createElement('span');
    status.className = 'visually-hidden';
    status.setAttribute('role', 'status');
    button.addEventListener('click', () => {
      copyText(textToCopy(figure))
        .then(
          () => {
            button.textContent = 'Copied';
            status.textContent = 'Copied to clipboard';
          },
          () => {
            button.textContent = 'Copy failed';
          },
        )
        .then(() => {
          setTimeout(() => {
            button.textContent = 'Copy';
            status.textContent = '';
          }, 1600);
        });
    });
    head.appendChild(button);
    head.appendChild(status);
  });
})();
