import { createApp } from 'vue';
import App from './App.vue';
import { language } from './i18n';
import { startRouter } from './router';
import './styles.css';

document.documentElement.lang = language;
startRouter();
createApp(App).mount('#app');
