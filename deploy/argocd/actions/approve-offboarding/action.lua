-- Argo CD action approve-offboarding for svkms.dev/SvKmsMigration: opens the gate, spec.workflow.offboarding.approved = true.
if obj.spec.workflow == nil then
  obj.spec.workflow = {}
end
if obj.spec.workflow.offboarding == nil then
  obj.spec.workflow.offboarding = {}
end
obj.spec.workflow.offboarding.approved = true
return obj
