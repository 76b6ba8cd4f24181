import { gateSuite } from '../gate-suite.ts';

gateSuite(['vfio-per-vector-msi-address', 'dma-iommu-mixed-domain', 'direct-flag-dma-only']);
