import { gateShard } from '../gate-suite.ts';

gateShard(import.meta.url);
