// Load with: node --import ./register.mjs <script>
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);
