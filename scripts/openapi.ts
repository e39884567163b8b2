// Prints the OpenAPI document the API serves at /openapi.json (`npm run openapi`).
import { servedDocument } from './document.js';

process.stdout.write(JSON.stringify(await servedDocument(), null, 2) + '\n');
process.exit(0);
