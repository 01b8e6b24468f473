import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { createClient } from './lib/api/client';
import { AppState } from './lib/app.svelte';

const app = new AppState(createClient(), window.location);
window.addEventListener('hashchange', () => app.router.sync());
mount(App, { target: document.getElementById('app')!, props: { app } });
void app.start();
