import { gateSuite } from '../gate-suite.ts';

gateSuite(['arm-smmuv3-gicv3-its', 'arm-smmuv3-gicv2m', 'arm-nested-rmr', 'arm-nested-no-rmr']);
