-- Per hardware profile and per model, what the cost macros need (frontier, pricing).

-- Per hardware profile what the cost macros need: peak FLOP/s; i, FLOPs per KV element read (2 * peak / HBM bytes/s,
-- eFLOPs); i_net, FLOPs per interconnect byte (tensor parallel).
CREATE OR REPLACE TEMP MACRO frontier_hardware(p_hardware) AS TABLE
    SELECT peak_flops, 2.0 * peak_flops / hbm_bytes_per_s AS i, peak_flops / interconnect_bytes_per_s AS i_net
    FROM hardware WHERE name = p_hardware;

-- Per model what the cost macros need: the Kinetics parameter count where the model has one (model_params'
-- default), else the active parameters (MoE: shared + a token's experts); d over full-attention layers;
-- arch: windowed layers, sink tokens, SSM layers and state (zero for a dense model).
CREATE OR REPLACE TEMP MACRO frontier_models() AS TABLE
    SELECT name AS model, coalesce(params_kinetics, active_params, params) AS p, hq, hkv,
           (head_dim * coalesce(attention_layers, layers))::DOUBLE AS d, hidden, vocab, layers,
           {'d_window': (head_dim * coalesce(window_layers, 0))::DOUBLE, 'win': coalesce(sliding_window, 0)::DOUBLE,
            'sinks': coalesce(sink_tokens, 0)::DOUBLE, 'ssm_layers': coalesce(ssm_layers, 0)::DOUBLE,
            'ssm_state': coalesce(ssm_state_elements, 0.0)} AS arch
    FROM models;
