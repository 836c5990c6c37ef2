namespace VideoVCReg.Runtime;

/// <summary>
/// Marks a spec property that says how or where a run goes (its folder, --force, the device, decode workers), not what it
/// computes: settings.json leaves it out, so a resume may change it and two runs that differ only in it are one setting.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RunControlAttribute : Attribute;
