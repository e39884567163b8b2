// Regenerates the typed client's types from the API's own document (`npm run client`):
// openapi.json (the document, committed) and src/client/api.d.ts (openapi-typescript).
// A test fails when either has drifted from what the app serves.
import { writeFileSync } from 'node:fs';
import { documentTypes, servedDocument } from './document.js';

const doc = await servedDocument();
writeFileSync('openapi.json', JSON.stringify(doc, null, 2) + '\n');
writeFileSync('src/client/api.d.ts', await documentTypes(doc));
console.log('wrote openapi.json and src/client/api.d.ts');
process.exit(0);
