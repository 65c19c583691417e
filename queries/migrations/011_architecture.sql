-- Architecture beyond a dense transformer: mixture of experts, sliding-window layers, hybrid
-- attention/SSM models (kinetics_sql.catalog.spec_from_config; cost macros in queries/macros/010_arch.sql).
ALTER TABLE models ADD COLUMN IF NOT EXISTS active_params DOUBLE;       -- per token: shared + its routed experts (= params if dense)
ALTER TABLE models ADD COLUMN IF NOT EXISTS experts INTEGER DEFAULT 0;  -- routed experts per MoE layer
ALTER TABLE models ADD COLUMN IF NOT EXISTS experts_per_token INTEGER DEFAULT 0;
ALTER TABLE models ADD COLUMN IF NOT EXISTS expert_params DOUBLE DEFAULT 0;  -- one routed expert of one layer
ALTER TABLE models ADD COLUMN IF NOT EXISTS moe_layers INTEGER DEFAULT 0;
ALTER TABLE models ADD COLUMN IF NOT EXISTS attention_layers INTEGER;   -- full-attention layers
ALTER TABLE models ADD COLUMN IF NOT EXISTS window_layers INTEGER DEFAULT 0;  -- sliding-window attention layers
ALTER TABLE models ADD COLUMN IF NOT EXISTS sliding_window INTEGER;
ALTER TABLE models ADD COLUMN IF NOT EXISTS sink_tokens INTEGER DEFAULT 0;    -- KV tokens a windowed step also reads
ALTER TABLE models ADD COLUMN IF NOT EXISTS ssm_layers INTEGER DEFAULT 0;     -- Mamba-2 layers
ALTER TABLE models ADD COLUMN IF NOT EXISTS ssm_state_elements DOUBLE DEFAULT 0;  -- state of one SSM layer, one sequence
ALTER TABLE models ADD COLUMN IF NOT EXISTS config_source VARCHAR;      -- citation of the architecture facts
UPDATE models SET active_params = coalesce(active_params, params), attention_layers = coalesce(attention_layers, layers);
