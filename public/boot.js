// Starts the wasm bundle of the page (the staff console under /console, the citizen app
// elsewhere); if it cannot load, the loading indicator turns into a message.
const path = window.location.pathname;
const bundle = path === '/console' || path.startsWith('/console/') ? '/console.js' : '/app.js';

import(bundle).then((app) => app.default()).catch((error) => {
  console.error(error);
  const boot = document.getElementById('boot');
  if (!boot) return;
  boot.querySelector('.spinner')?.remove();
  boot.querySelector('.boot__text')?.setAttribute('hidden', '');
  boot.querySelector('.boot__error')?.removeAttribute('hidden');
});
