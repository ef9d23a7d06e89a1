-- Argo CD resource action discovery for svkms.dev/SvKmsMigration (docs/gitops.md shows how to install it in argocd-cm).
--
--   approve-<gate>  sets spec.workflow.<gate>.approved to true; offered while that gate is closed
--   pause           sets spec.paused to true; offered while the migration runs
--   resume          sets spec.paused to false; offered while it is paused
--
-- Only Lua 5.1 and the base and table libraries (what Argo CD opens). test/integration/argocd-lua.test.ts runs this
-- and every action under gopher-lua, the Lua engine of Argo CD, on objects of a real migration.

local actions = {}
local spec = obj.spec or {}
local workflow = spec.workflow or {}

local gates = {
  {name = "weightTransfer", title = "Approve weight transfer"},
  {name = "assetTransfer", title = "Approve asset transfer"},
  {name = "offboarding", title = "Approve offboarding"},
  {name = "retirement", title = "Approve retirement"},
}
for _, gate in ipairs(gates) do
  local approved = workflow[gate.name] ~= nil and workflow[gate.name].approved == true
  actions["approve-" .. gate.name] = {["disabled"] = approved, ["displayName"] = gate.title}
end

local paused = spec.paused == true
actions["pause"] = {["disabled"] = paused, ["displayName"] = "Pause"}
actions["resume"] = {["disabled"] = not paused, ["displayName"] = "Resume"}
return actions
