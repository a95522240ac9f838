using System.CommandLine;

namespace XnorSpec.Cli;

/// <summary>Options several commands share, so they read and validate the same way everywhere.</summary>
internal static class Options
{
    public static Option<string> Device() => new("--device")
    {
        Description = "auto (CUDA when available, else CPU), cpu or cuda. Default: $XNORSPEC_DEVICE, else auto.",
        CustomParser = r => r.Tokens.Single().Value,
        Validators = { r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (value is not null && value.ToLowerInvariant() is not ("auto" or "cpu" or "cuda"))
                r.AddError($"Unknown device '{value}'; accepted: auto, cpu, cuda.");
        } },
    };

    /// <summary>An enum option whose error lists the valid names (System.CommandLine's own does not).</summary>
    public static Option<T> Enum<T>(string name, string description, T defaultValue) where T : struct, System.Enum => new(name)
    {
        Description = $"{description} One of: {string.Join(", ", System.Enum.GetNames<T>())}. Default: {defaultValue}.",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            var token = r.Tokens.Single().Value;
            if (System.Enum.TryParse<T>(token, ignoreCase: true, out var value) && System.Enum.IsDefined(value) && !int.TryParse(token, out _))
                return value;
            r.AddError($"Unknown value '{token}' for {name}; valid: {string.Join(", ", System.Enum.GetNames<T>())}.");
            return defaultValue;
        },
    };
}
