import { gateSuite } from '../gate-suite.ts';

gateSuite(['x86-vtd-ir', 'x86-vtd-ir-nosid', 'x86-amd-ir', 'x86-no-ir']);
