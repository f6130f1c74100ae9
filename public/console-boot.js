// Starts the staff console's wasm bundle; if it cannot load, the loading indicator turns into a message.
import init from '/console.js';

init().catch((error) => {
  console.error(error);
  const boot = document.getElementById('boot');
  if (!boot) return;
  boot.querySelector('.spinner')?.remove();
  boot.querySelector('.boot__text')?.setAttribute('hidden', '');
  boot.querySelector('.boot__error')?.removeAttribute('hidden');
});
