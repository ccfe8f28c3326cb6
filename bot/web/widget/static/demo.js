/* Demo clinic page: the "Chat with Kintsugi" button uses the widget's JS API. */
(function () {
  'use strict';
  var button = document.getElementById('open-chat');
  if (!button) return;
  button.addEventListener('click', function () {
    if (window.Kintsugi && typeof window.Kintsugi.open === 'function') {
      window.Kintsugi.open();
    }
  });
})();
