-- Argo CD health check for svkms.dev/SvKmsMigration (docs/gitops.md shows how to install it in argocd-cm).
--
--   Progressing  the operator has not yet observed the latest spec (status.observedGeneration < metadata.generation)
--   Degraded     Stalled=True: the operator cannot go on without a human (message from the Stalled condition)
--   Healthy      Ready=True: the migration is completed
--   Suspended    spec.paused: no side effects until it is unpaused
--   Progressing  otherwise, with status.message (what the operator is doing or waiting for, e.g. an approval gate)
--
-- test/integration/health-lua.test.ts runs this file with a real Lua interpreter on sample objects.

local hs = {}

local function findCondition(status, conditionType)
  if status == nil or status.conditions == nil then
    return nil
  end
  for _, condition in ipairs(status.conditions) do
    if condition.type == conditionType then
      return condition
    end
  end
  return nil
end

local function describe(condition, fallback)
  if condition ~= nil and condition.message ~= nil and condition.message ~= "" then
    return condition.message
  end
  if condition ~= nil and condition.reason ~= nil and condition.reason ~= "" then
    return condition.reason
  end
  return fallback
end

local status = obj.status
local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end

if status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to pick up the migration"
  return hs
end

-- A status computed from an older spec says nothing about the current one (a gate just opened, a field changed).
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

local stalled = findCondition(status, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled, "The migration is stalled")
  return hs
end

local ready = findCondition(status, "Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Migration completed")
  return hs
end

if obj.spec ~= nil and obj.spec.paused == true then
  hs.status = "Suspended"
  hs.message = "Paused (spec.paused): no side effects until it is unpaused"
  return hs
end

hs.status = "Progressing"
if status.message ~= nil and status.message ~= "" then
  hs.message = status.message
elseif status.phase ~= nil then
  hs.message = "Phase " .. status.phase
else
  hs.message = "Waiting for the operator"
end
return hs
