-- Argo CD health for Tollgate's four kinds: API, APIProduct, Application and
-- Subscription (resource.customizations.health.tollgate.dev_<Kind>, all four the
-- same script). It follows the health table in charts/tollgate/docs/argocd.md
-- over the conditions charts/tollgate/docs/conditions.md defines per kind
-- (Programmed is never True while ResolvedRefs is False, so a product served
-- in part is Degraded by its ResolvedRefs). Argo CD runs a custom health script
-- with Lua's base, table and package libraries only (no string library), so
-- this uses nothing else.
local gen = 0
if obj.metadata ~= nil and obj.metadata.generation ~= nil then
  gen = obj.metadata.generation
end

local function condition(t)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == t then
      return c
    end
  end
  return nil
end

local function current(c)
  return c ~= nil and (c.observedGeneration == nil or c.observedGeneration >= gen)
end

local function said(c)
  if c.message ~= nil and c.message ~= "" then
    return c.type .. " (" .. tostring(c.reason) .. "): " .. c.message
  end
  return c.type .. " (" .. tostring(c.reason) .. ")"
end

-- Deliberate states: someone chose them, nothing is broken.
local function suspended(accepted, refs)
  local spec = obj.spec or {}
  if obj.kind == "API" then
    if spec.lifecycle == "Created" then
      return "lifecycle Created: not routed until it is Prototyped or Published"
    end
    if spec.lifecycle == "Blocked" then
      return "lifecycle Blocked: every call is refused"
    end
  elseif obj.kind == "APIProduct" then
    if refs.status == "False" and refs.reason == "RefNotPublished" then
      return "waiting for its APIs to be published: " .. tostring(refs.message)
    end
  elseif obj.kind == "Application" then
    if spec.suspended == true then
      return "suspended: every request is refused"
    end
    if spec.owner ~= nil and spec.owner.suspended == true then
      return "its owner is suspended: every request is refused"
    end
  elseif obj.kind == "Subscription" then
    if accepted.status == "False" and accepted.reason == "PendingApproval" then
      return "waiting for approval: " .. tostring(accepted.message)
    end
    if accepted.status == "False" and accepted.reason == "Revoked" then
      return "revoked: " .. tostring(accepted.message)
    end
  end
  return nil
end

local function credentials()
  if obj.kind ~= "Application" or obj.status.credentials == nil then
    return nil
  end
  for _, c in ipairs(obj.status.credentials) do
    if c.state == "Invalid" then
      return { status = "Degraded", message = "credential " .. tostring(c.name) .. " is Invalid: see ResolvedRefs" }
    end
    if c.state == "Pending" then
      return { status = "Progressing", message = "credential " .. tostring(c.name) .. " is Pending: no Secret yet" }
    end
  end
  return nil
end

local function health()
  if obj.status == nil or obj.status.conditions == nil then
    return { status = "Progressing", message = "waiting for the Tollgate operator to write a status" }
  end
  if obj.status.observedGeneration ~= nil and obj.status.observedGeneration < gen then
    return { status = "Progressing", message = "waiting for the Tollgate operator to observe generation " .. tostring(gen) }
  end
  local accepted, refs, programmed = condition("Accepted"), condition("ResolvedRefs"), condition("Programmed")
  if not (current(accepted) and current(refs) and current(programmed)) then
    return { status = "Progressing", message = "waiting for the Tollgate operator to observe generation " .. tostring(gen) }
  end
  local why = suspended(accepted, refs)
  if why ~= nil then
    return { status = "Suspended", message = why }
  end
  if accepted.status ~= "True" then
    return { status = "Degraded", message = said(accepted) }
  end
  if refs.status ~= "True" then
    return { status = "Degraded", message = said(refs) }
  end
  if programmed.status == "False" then
    return { status = "Degraded", message = said(programmed) }
  end
  if programmed.status ~= "True" then
    return { status = "Progressing", message = said(programmed) }
  end
  local creds = credentials()
  if creds ~= nil then
    return creds
  end
  return { status = "Healthy", message = tostring(programmed.message) }
end

return health()
