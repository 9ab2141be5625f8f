// onix-os.com: the only script. Pages work without it; it adds the theme toggle and copy
// buttons. (The remembered theme is applied before first paint by an inline script in <head>.)
(function () {
  'use strict';
  var root = document.documentElement;
  var media = window.matchMedia('(prefers-color-scheme: dark)');

  function currentTheme() {
    return root.dataset.theme || (media.matches ? 'dark' : 'light');
  }

  var toggle = document.querySelector('.theme-toggle');
  function syncToggle() {
    if (!toggle) return;
    var dark = currentTheme() === 'dark';
    toggle.setAttribute('aria-pressed', dark ? 'true' : 'false');
    toggle.title = dark ? 'Dark theme (press for light)' : 'Light theme (press for dark)';
  }
  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener('click', function () {
      var next = currentTheme() === 'dark' ? 'light' : 'dark';
      root.dataset.theme = next;
      try { localStorage.setItem('onix-theme', next); } catch (e) { /* private mode: not remembered */ }
      syncToggle();
    });
    media.addEventListener('change', syncToggle);
    syncToggle();
  }

  // Copy buttons. A transcript copies only its commands (no prompts, no output).
  function textToCopy(figure) {
    if (figure.classList.contains('transcript')) {
      var lines = [];
      figure.querySelectorAll('.line.cmd .command').forEach(function (c) { lines.push(c.textContent); });
      return lines.join('\n');
    }
    var code = figure.querySelector('pre code');
    return code ? code.textContent : '';
  }
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
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
  document.querySelectorAll('figure.code-block').forEach(function (figure) {
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
    button.addEventListener('click', function () {
      copyText(textToCopy(figure)).then(function () {
        button.textContent = 'Copied';
        status.textContent = 'Copied to clipboard';
      }, function () {
        button.textContent = 'Copy failed';
      }).then(function () {
        setTimeout(function () { button.textContent = 'Copy'; status.textContent = ''; }, 1600);
      });
    });
    head.appendChild(button);
    head.appendChild(status);
  });
})();
