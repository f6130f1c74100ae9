// Applies the choices this device remembers before the first paint, so that the page does not
// change size when the app starts: 长辈模式 (large type) and the language.
(function () {
  try {
    var html = document.documentElement;
    if (localStorage.getItem('yiwang.elderly') === '1') html.classList.add('elderly');
    var lang = localStorage.getItem('yiwang.lang');
    if (lang === 'en' || lang === 'zh-CN') html.setAttribute('lang', lang);
  } catch (e) {
    // Storage may be refused (private mode): the defaults apply.
  }
})();
