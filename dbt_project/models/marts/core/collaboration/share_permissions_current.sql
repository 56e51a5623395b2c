-- Share permissions currently in force: the newest record of every share_id, when it
-- is not revoked.
{{ config(contract={'enforced': true}) }}

select
    cast(brand_id as varchar) as brand_id,
    cast(share_id as varchar) as share_id,
    cast(resource_type as varchar) as resource_type,
    cast(resource_id as varchar) as resource_id,
    cast(shared_by as varchar) as shared_by,
    cast(shared_with as varchar) as shared_with,
    cast(permission as varchar) as permission,
    cast(created_at as timestamp) as created_at
from {{ ref('int_shares_current') }}
where not is_revoked
