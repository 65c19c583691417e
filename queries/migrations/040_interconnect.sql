-- Tensor parallelism (#14): a hardware profile's GPU-to-GPU interconnect, and the tensor-parallel size a
-- measurement ran with.
--
-- hardware.interconnect_bytes_per_s: the datasheet bandwidth of one GPU's links to its peers, both directions
-- together (NVLink 4 on H100/H200 SXM: 900 GB/s = 450 GB/s each way). The tensor-parallel cost macros
-- (queries/macros/040_tensor_parallel.sql) count the bytes one GPU sends plus receives against it.
ALTER TABLE hardware ADD COLUMN IF NOT EXISTS interconnect_bytes_per_s DOUBLE;
