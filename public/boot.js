// Starts the wasm bundle of the page: the staff console under /console; on the home page, the
// catalogue and the guides, the guides bundle (a citizen's first load: it holds just those
// pages); elsewhere, and on any page the guides bundle handed over (app/src/pages/full_app.rs),
// the full citizen app. If the bundle cannot load, the loading indicator turns into a message.
const path = window.location.pathname;
let handedOver = false;
try {
  handedOver = sessionStorage.getItem('yiwang.full-app') === path;
  sessionStorage.removeItem('yiwang.full-app');
} catch (_) {
  // No session storage (a private window may refuse it): the path alone decides.
}
const bundle = path === '/console' || path.startsWith('/console/') ? 'console'
  : !handedOver && /^\/(items(\/[^/]+)?)?$/.test(path) ? 'guides' : 'app';

// The wasm is fetched while its loader is, not after it.
const preload = Object.assign(document.createElement('link'),
  { rel: 'preload', href: `/${bundle}_bg.wasm`, as: 'fetch', type: 'application/wasm', crossOrigin: 'anonymous' });
document.head.append(preload);

import(`/${bundle}.js`).then((app) => app.default()).catch((error) => {
  console.error(error);
  const boot = document.getElementById('boot');
  if (!boot) return;
  boot.querySelector('.spinner')?.remove();
  boot.querySelector('.boot__text')?.setAttribute('hidden', '');
  boot.querySelector('.boot__error')?.removeAttribute('hidden');
});
