-- Rates to EUR per source, currency and day: the shipped seed serves every source
-- ('default'); a source that ships its own rates (Contoso) adds rows under its name, and
-- facts prefer those for that source's lines.
with seed as (
    select * from silver.fx_rate_seed
),

shipped as (
    select * from silver.int_fx_rate
)

select
    'default' as source_system,
    currency,
    rate_date,
    rate_to_eur,
    basis
from seed
union all
select
    source_system,
    currency,
    rate_date,
    rate_to_eur,
    'shipped by the source' as basis
from shipped
