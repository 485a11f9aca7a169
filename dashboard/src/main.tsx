import { render } from 'preact';
import { App } from './app.js';
import { takeTokenFromFragment } from './session.js';

takeTokenFromFragment();
const root = document.getElementById('app')!;
root.textContent = ''; // the "loading" line painted before the script ran
render(<App />, root);
