-- Share permissions currently in force: the newest record of every share_id, when it
-- is not revoked.
{{ config(contract={'enforced': true}) }}

select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(share_id as {{ text_type() }}) as share_id,
    cast(resource_type as {{ text_type() }}) as resource_type,
    cast(resource_id as {{ text_type() }}) as resource_id,
    cast(shared_by as {{ text_type() }}) as shared_by,
    cast(shared_with as {{ text_type() }}) as shared_with,
    cast(permission as {{ text_type() }}) as permission,
    cast(created_at as timestamp) as created_at
from {{ ref('int_shares_current') }}
where not is_revoked
