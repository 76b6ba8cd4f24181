import { gateSuite } from '../gate-suite.ts';

gateSuite([
  'riscv-no-msi-window',
  'riscv-hart-only-msi-table',
  'riscv-map-all-imsics',
  'riscv-resv-direct-relaxable',
  'riscv-prepare-msi',
  'riscv-s2-preferred',
  'riscv-guest-files',
]);
