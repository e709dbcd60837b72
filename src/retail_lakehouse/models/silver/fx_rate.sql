-- Rates to EUR per source, currency and day: the shipped seed serves every source
-- ('default'); a source that ships its own rates (Contoso) adds rows under its name, and
-- facts prefer those for that source's lines. Incremental: new seed builds and new shipped
-- rates merge in; facts rebuild only when an existing rate changed.
with seed as (
    select * from silver.fx_rate_seed
    where _ingested_at > :since
),

shipped as (
    select * from silver.int_fx_rate
    where _ingested_at > :since
)

select
    'default' as source_system,
    currency,
    rate_date,
    rate_to_eur,
    basis,
    _ingested_at
from seed
union all
select
    source_system,
    currency,
    rate_date,
    rate_to_eur,
    'shipped by the source' as basis,
    _ingested_at
from shipped
