-- requires: macros/001_cost, macros/002_rflops, macros/003_catalog
-- Tensor parallelism over `gpus` = T GPUs (Megatron-style, what vLLM's tensor_parallel_size does).
--
-- Each GPU holds 1/T of every matrix (its query heads, its KV heads, 1/T of the MLP columns, a vocabulary
-- shard of the embedding and of the LM head) and a copy of the norms. It does 1/T of the FLOPs and reads
-- 1/T of the weights and of the KV cache; when T exceeds the KV heads (hkv), each GPU holds one KV head
-- (replicated), so it reads 1/hkv of the cache. Per forward pass over `tokens` tokens the GPUs exchange
-- activations (bf16):
--   2 * layers + 1 all-reduces of tokens x hidden values (attention output and MLP output of every layer,
--     the vocabulary-parallel embedding); ring algorithm: each GPU sends 2(T-1)/T of the message and
--     receives as much, 4(T-1)/T * S bytes in both directions together;
--   one gather of the tokens x vocab logits onto one GPU, which receives (T-1)/T of them.
-- The interconnect bandwidth (hardware.interconnect_bytes_per_s) is both directions together (NVLink on
-- H100/H200 SXM: 900 GB/s), so the bytes above are divided by it as they are.
--
-- Every cost is per GPU: the critical path, so wall time on T GPUs = per-GPU cost / peak and the
-- GPU-seconds a price per GPU-hour multiplies are T times that. With gpus = 1 every macro here equals
-- its one-GPU form (tests/test_tensor_parallel.py). Spec and reference: tests/tp_reference.py.

-- Guard: T a whole number >= 1 that divides the query heads, and divides the KV heads or is a multiple
-- of them (vLLM's rule). hq may be NULL (KV-only macros).
CREATE OR REPLACE TEMP MACRO tp_check(hq, hkv, gpus) AS
    CASE
        WHEN gpus IS NULL OR gpus::DOUBLE < 1 OR gpus::DOUBLE <> floor(gpus::DOUBLE)
            THEN error('gpus must be a whole number >= 1, got ' || coalesce(gpus::VARCHAR, 'NULL'))
        WHEN hq IS NOT NULL AND hq::BIGINT % gpus::BIGINT <> 0
            THEN error('tensor parallelism over ' || gpus::BIGINT::VARCHAR || ' GPUs needs the query heads ('
                       || hq::VARCHAR || ') divisible by ' || gpus::BIGINT::VARCHAR)
        WHEN hkv::BIGINT % gpus::BIGINT <> 0 AND gpus::BIGINT % hkv::BIGINT <> 0
            THEN error('tensor parallelism over ' || gpus::BIGINT::VARCHAR || ' GPUs needs the KV heads ('
                       || hkv::VARCHAR || ') divisible by ' || gpus::BIGINT::VARCHAR || ', or a multiple of them')
        ELSE true
    END;

-- KV heads one GPU holds: hkv / T, or 1 (replicated) once T > hkv.
CREATE OR REPLACE TEMP MACRO tp_kv_heads(hkv, gpus) AS greatest(1.0, hkv::DOUBLE / gpus::DOUBLE);

-- Parameters one GPU holds: the sharded ones / T plus the replicated ones (norms).
CREATE OR REPLACE TEMP MACRO tp_params(p, replicated, gpus) AS   -- one GPU: p itself, bit for bit ((p - r) + r may round)
    CASE WHEN gpus = 1 THEN p::DOUBLE ELSE (p::DOUBLE - replicated::DOUBLE) / gpus::DOUBLE + replicated::DOUBLE END;

-- Parameters every GPU keeps whole: two RMSNorms per layer (+ Qwen3's per-head q/k norms) and the final norm.
CREATE OR REPLACE TEMP MACRO tp_replicated_params(layers, hidden, head_dim, qk_norm) AS
    layers::DOUBLE * (2.0 * hidden::DOUBLE + CASE WHEN qk_norm THEN 2.0 * head_dim::DOUBLE ELSE 0.0 END)
    + hidden::DOUBLE;

-- Bytes one GPU sends plus receives over the interconnect for `tokens` tokens (0 for T = 1).
CREATE OR REPLACE TEMP MACRO tp_comm_bytes(hidden, vocab, layers, tokens, gpus) AS
    (gpus::DOUBLE - 1.0) / gpus::DOUBLE * 2.0 * tokens::DOUBLE
    * (4.0 * (2.0 * layers::DOUBLE + 1.0) * hidden::DOUBLE + vocab::DOUBLE);

-- Tokens whose activations cross the interconnect: the prompt once, then n tokens per decode step.
CREATE OR REPLACE TEMP MACRO tp_tokens(lin, lout, n) AS lin::DOUBLE + n::DOUBLE * lout::DOUBLE;

-- Per-GPU compute FLOPs and KV element reads.
CREATE OR REPLACE TEMP MACRO tp_compute_flops(method, p, hq, hkv, d, lin, lout, n, gpus, budget := 0, block_size := 0,
                                         variant := 'exact') AS
    CASE WHEN tp_check(hq, hkv, gpus) THEN
        compute_flops(method, p, hq, d, lin, lout, n, budget := budget, block_size := block_size, variant := variant)
        / gpus::DOUBLE
    END;

CREATE OR REPLACE TEMP MACRO tp_kv_reads(method, hkv, d, lin, lout, n, gpus, budget := 0, block_size := 0, variant := 'exact') AS
    CASE WHEN tp_check(NULL, hkv, gpus) THEN
        kv_reads(method, tp_kv_heads(hkv, gpus), d, lin, lout, n, budget := budget, block_size := block_size,
                 variant := variant)
    END;

-- i_net * comm bytes, 0 on one GPU (where i_net may be unknown); i_net = peak / interconnect bytes/s.
CREATE OR REPLACE TEMP MACRO tp_comm_flops(i_net, hidden, vocab, layers, tokens, gpus) AS
    CASE WHEN gpus::DOUBLE = 1 THEN 0.0
         ELSE coalesce(i_net::DOUBLE, error('tensor parallelism over ' || gpus::BIGINT::VARCHAR
                                           || ' GPUs needs the interconnect (i_net = peak / interconnect bytes/s)'))
              * tp_comm_bytes(hidden, vocab, layers, tokens, gpus)
    END;

-- eFLOPs on the critical path of T GPUs: compute / T + i * per-GPU KV reads + i_net * per-GPU comm bytes.
CREATE OR REPLACE TEMP MACRO tp_eflops(method, p, hq, hkv, d, lin, lout, n, i, i_net, hidden, vocab, layers, gpus,
                                  budget := 0, block_size := 0, variant := 'exact') AS
    tp_compute_flops(method, p, hq, hkv, d, lin, lout, n, gpus, budget := budget, block_size := block_size,
                     variant := variant)
    + i::DOUBLE * tp_kv_reads(method, hkv, d, lin, lout, n, gpus, budget := budget, block_size := block_size,
                              variant := variant)
    + tp_comm_flops(i_net, hidden, vocab, layers, tp_tokens(lin, lout, n), gpus);

-- rFLOPs (Kinetics++) on T GPUs: per-GPU weight reads of (p - replicated) / T + replicated parameters,
-- k offloaded layers of which each GPU streams its 1/T shard over its own link.
CREATE OR REPLACE TEMP MACRO tp_rflops(method, p, hq, hkv, d, lin, lout, n, i_gpu, i_link, i_net, layer_bytes, k,
                                  hidden, vocab, layers, gpus, replicated := 0,
                                  budget := 0, block_size := 0, variant := 'exact',
                                  prefill_batch := 512, passes := 'forward') AS
    tp_compute_flops(method, p, hq, hkv, d, lin, lout, n, gpus, budget := budget, block_size := block_size,
                     variant := variant)
    + i_gpu::DOUBLE * (param_reads(tp_params(p, replicated, gpus), lout)
                       + tp_kv_reads(method, hkv, d, lin, lout, n, gpus, budget := budget, block_size := block_size,
                                     variant := variant))
    + i_link::DOUBLE * offload_bytes(layer_bytes::DOUBLE / gpus::DOUBLE, k, lin, lout, n,
                                     prefill_batch := prefill_batch, passes := passes)
    + tp_comm_flops(i_net, hidden, vocab, layers, tp_tokens(lin, lout, n), gpus);

-- i_net of a hardware profile: peak FLOP/s per interconnect byte/s, or an error saying how to set it.
CREATE OR REPLACE TEMP MACRO hardware_net_intensity(hardware_name) AS (
    SELECT coalesce(hni_.peak_flops / hni_.interconnect_bytes_per_s,
                    error('hardware ''' || hni_.name || ''' has no interconnect bandwidth: set it with '
                          || '`kinetics-sql hardware add ' || hni_.name || ' ... --interconnect BYTES_PER_S`'))
    FROM hardware hni_ WHERE hni_.name = known_hardware(hardware_name)
);

-- One row: the cost of a configuration on `gpus` GPUs of a hardware profile, per GPU (critical path).
--   SELECT * FROM model_cost_tp('Qwen3-32B', 'h200', 'dense', 155, 16384, 8, gpus := 2);
-- compute_flops, kv_reads, eflops, eflops_tera and seconds equal model_cost's with gpus := 1 (compute of the active
-- parameters, MoE included), except for models with sliding-window or SSM layers, which model_cost prices by their
-- architecture and this macro as full attention on every layer.
CREATE OR REPLACE TEMP MACRO model_cost_tp(model_name, hardware_name, method, lin, lout, n, gpus := 1,
                                      budget := 0, block_size := 0, variant := 'exact', param_count := 'kinetics') AS TABLE
    WITH cfg AS (
        SELECT m.name AS model, h.name AS hardware,
               pick_params(m.params_kinetics, coalesce(m.active_params, m.params), param_count) AS p,
               m.params AS p_arch, m.hq AS hq, m.hkv AS hkv, (m.head_dim * m.layers)::DOUBLE AS d,
               m.hidden AS hidden, m.vocab AS vocab, m.layers AS layers, m.kv_bytes_per_token AS kv_tok,
               tp_replicated_params(m.layers, m.hidden, m.head_dim, m.qk_norm) AS replicated,
               2.0 * h.peak_flops / h.hbm_bytes_per_s AS i,
               CASE WHEN gpus::DOUBLE = 1 THEN h.peak_flops / h.interconnect_bytes_per_s
                    ELSE hardware_net_intensity(h.name) END AS i_net,
               h.peak_flops AS peak_flops, h.hbm_bytes_per_s AS hbm, h.vram_bytes AS vram_bytes
        FROM models m, hardware h
        WHERE m.name = known_model(model_name) AND h.name = known_hardware(hardware_name)
    ), c AS (
        SELECT cfg.*,
               tp_compute_flops(method, p, hq, hkv, d, lin, lout, n, gpus, budget := budget, block_size := block_size,
                                variant := variant) AS compute_flops,
               tp_kv_reads(method, hkv, d, lin, lout, n, gpus, budget := budget, block_size := block_size,
                           variant := variant) AS kv_reads,
               tp_comm_bytes(hidden, vocab, layers, tp_tokens(lin, lout, n), gpus) AS comm_bytes,
               tp_comm_flops(i_net, hidden, vocab, layers, tp_tokens(lin, lout, n), gpus) AS comm_flops
        FROM cfg
    )
    SELECT model, hardware, gpus::INTEGER AS gpus, method AS method, lin AS lin, lout AS lout, n AS n,
           CASE WHEN method = 'dense' THEN NULL ELSE budget END AS budget,
           CASE WHEN method = 'blocktopk' THEN block_size ELSE NULL END AS block_size,
           variant AS variant, p AS params, tp_params(p, replicated, gpus) AS params_per_gpu, i, i_net,
           compute_flops, kv_reads, comm_bytes,
           compute_flops + i * kv_reads + comm_flops AS eflops,
           (compute_flops + i * kv_reads + comm_flops) / 1e12 AS eflops_tera,
           roofline_seconds(compute_flops, kv_reads, peak_flops, hbm) + comm_flops / peak_flops AS seconds,
           gpus::DOUBLE * (roofline_seconds(compute_flops, kv_reads, peak_flops, hbm) + comm_flops / peak_flops)
               AS gpu_seconds,
           kinetics_seconds(compute_flops + i * kv_reads + comm_flops, i, hbm) AS kinetics_seconds,
           2.0 * tp_params(p_arch, replicated, gpus) AS weight_bytes_per_gpu,
           kv_tok::DOUBLE * tp_kv_heads(hkv, gpus) / hkv::DOUBLE * tp_tokens(lin, lout, n) AS kv_bytes_per_gpu,
           vram_bytes AS vram_bytes_per_gpu
    FROM c;

-- Memory on each of `gpus` GPUs for n trials of lout tokens after lin: bf16 weights (architecture count)
-- and the KV cache of lin + n * lout tokens (the prompt's KV shared), plus a reserve.
CREATE OR REPLACE TEMP MACRO tp_vram_needed(model_name, gpus, lin, lout, n, reserve_bytes := 1e9) AS (
    SELECT CASE WHEN tp_check(tvn_.hq, tvn_.hkv, gpus) THEN
               2.0 * tp_params(tvn_.params, tp_replicated_params(tvn_.layers, tvn_.hidden, tvn_.head_dim, tvn_.qk_norm), gpus)
               + tvn_.kv_bytes_per_token::DOUBLE * tp_kv_heads(tvn_.hkv, gpus) / tvn_.hkv::DOUBLE * tp_tokens(lin, lout, n)
               + reserve_bytes::DOUBLE
           END
    FROM models tvn_ WHERE tvn_.name = known_model(model_name)
);

-- The largest n whose KV cache fits beside the weights on each GPU (0 when not even one trial fits).
CREATE OR REPLACE TEMP MACRO tp_max_n(model_name, hardware_name, gpus, lin, lout, reserve_bytes := 1e9) AS (
    SELECT greatest(0, floor(((tmh_.vram_bytes - tp_vram_needed(model_name, gpus, lin, 0, 0, reserve_bytes := reserve_bytes))
                              / (tmm_.kv_bytes_per_token::DOUBLE * tp_kv_heads(tmm_.hkv, gpus) / tmm_.hkv::DOUBLE))
                             / lout::DOUBLE))::BIGINT
    FROM models tmm_, hardware tmh_
    WHERE tmm_.name = known_model(model_name) AND tmh_.name = known_hardware(hardware_name)
);

-- The memory plan across T GPUs: for generation budgets 1K-32K tokens (powers of two) and N = 1 ... 1024,
-- what each GPU needs and whether it fits its VRAM; max_n is the most trials that fit at that budget.
--   SELECT gen_tokens, max_n FROM tp_memory_plan('Qwen3-32B', 'h200', 2, 155) WHERE n = 1;
CREATE OR REPLACE TEMP MACRO tp_memory_plan(model_name, hardware_name, gpus, lin, reserve_bytes := 1e9) AS TABLE
    WITH grid AS (
        SELECT (2 ** g)::INTEGER AS gen_tokens, (2 ** e)::INTEGER AS n,
               tp_vram_needed(model_name, gpus, lin, 2 ** g, 2 ** e, reserve_bytes := reserve_bytes) AS vram_needed_per_gpu,
               tp_max_n(model_name, hardware_name, gpus, lin, 2 ** g, reserve_bytes := reserve_bytes) AS max_n
        FROM range(10, 16) r1(g), range(0, 11) r2(e)
    ), fixed AS (
        SELECT tp_vram_needed(model_name, gpus, 0, 0, 0, reserve_bytes := 0) AS weight_bytes_per_gpu,
               (SELECT tph_.vram_bytes FROM hardware tph_ WHERE tph_.name = known_hardware(hardware_name)) AS vram_bytes_per_gpu
    )
    SELECT known_model(model_name) AS model, known_hardware(hardware_name) AS hardware, gpus::INTEGER AS gpus,
           lin AS lin, gen_tokens, n, weight_bytes_per_gpu,
           vram_needed_per_gpu - weight_bytes_per_gpu - reserve_bytes::DOUBLE AS kv_bytes_per_gpu,
           vram_needed_per_gpu, vram_bytes_per_gpu, vram_needed_per_gpu <= vram_bytes_per_gpu AS fits, max_n
    FROM grid, fixed
    ORDER BY gen_tokens, n;
