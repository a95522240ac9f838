using System.CommandLine;
using XnorSpec.Data;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Sources;
using XnorSpec.Training;

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
        CustomParser = r => ParseEnum(r, name, defaultValue),
    };

    /// <summary>The same for an enum setting that, when absent, comes from elsewhere (the profile).</summary>
    public static Option<T?> OptionalEnum<T>(string name, string description) where T : struct, System.Enum => new(name)
    {
        Description = $"{description} One of: {string.Join(", ", System.Enum.GetNames<T>())}.",
        CustomParser = r => ParseEnum<T>(r, name, default),
    };

    /// <summary>
    /// A number setting that, when absent, comes from elsewhere. Its error names the option, what it
    /// expects and the range (System.CommandLine's own names the CLR type, "Nullable`1[Int32]").
    /// </summary>
    public static Option<T?> OptionalNumber<T>(string name, string description) where T : struct, System.Numerics.INumber<T>, System.Numerics.IMinMaxValue<T> => new(name)
    {
        Description = description,
        CustomParser = r =>
        {
            var token = r.Tokens.Single().Value;
            bool integer = typeof(T) == typeof(int) || typeof(T) == typeof(long);
            var style = integer ? System.Globalization.NumberStyles.Integer : System.Globalization.NumberStyles.Float;
            if (T.TryParse(token, style, System.Globalization.CultureInfo.InvariantCulture, out var value))
                return value;
            r.AddError(integer
                ? $"Option {name} expects a whole number from {T.MinValue} to {T.MaxValue}; got '{token}'."
                : $"Option {name} expects a number such as 0.01; got '{token}'.");
            return null;
        },
    };

    /// <summary>--data DIR: where real-image experiments read Fashion-MNIST's four files.</summary>
    public static Option<string?> DataFolder() => new("--data")
    {
        Description = $"Folder with Fashion-MNIST's four gzipped IDX files, for real-image profiles (a fashion-quick profile then trains on these files instead of the checked-in subset). "
            + $"Default: ${XnorSpec.Files.FashionMnistFiles.EnvironmentVariable}, else {XnorSpec.Files.FashionMnistFiles.PackageFolder} (apt-get install dataset-fashion-mnist).",
    };

    /// <summary>
    /// Real-image experiments read the folder given with --data: one on the checked-in subset then reads the whole
    /// dataset there instead. Colour experiments have no use for it, which is refused rather than ignored.
    /// </summary>
    public static Experiment WithDataFolder(Experiment experiment, string? folder, string what)
    {
        if (folder is null) return experiment;
        using var source = PairSources.For(experiment);
        if (!source.ReadsFiles) throw new ArgumentException($"--data is for experiments on images read from files; {what} trains on generated {experiment.Data} pairs.");
        return source.ReadingFrom(experiment, folder);
    }

    /// <summary>The source of the data a loaded model was made for; --data (<paramref name="folder"/>) only where that data is read from files.</summary>
    public static PairSource SourceOfModel(Experiment experiment, string? folder)
    {
        var source = PairSources.For(experiment, folder);
        if (folder is null || source.ReadsFiles) return source;
        source.Dispose();
        throw new ArgumentException($"--data is for models trained on images read from files; model {experiment.Name} was trained on generated {experiment.Data} pairs. Leave --data out.");
    }

    /// <summary>--head, --encoder, --trained-on and --image-size: what a PyTorch state_dict does not record (XnorSpec model files do).</summary>
    public sealed record PyTorchOptions(Option<FusionKind?> Head, Option<EncoderKind?> Encoder, Option<int?> ImageSize, Option<PairData?> Data)
    {
        public PyTorchReading Read(ParseResult parsed) => new(parsed.GetValue(Head), parsed.GetValue(Encoder), parsed.GetValue(ImageSize), parsed.GetValue(Data));

        public IEnumerable<Option> All => [Head, Encoder, Data, ImageSize];
    }

    public static PyTorchOptions PyTorchReading() => new(
        OptionalEnum<FusionKind>("--head", "For a PyTorch file: how its model fuses q and t; Concat is the question's torch.cat, Product the answer's q * t."),
        OptionalEnum<EncoderKind>("--encoder", "For a PyTorch file: its encoders. Default: the one the weights fit."),
        OptionalNumber<int>("--image-size", "Side of the test images in pixels. Default: the model file's; for a PyTorch file the data's own (Colours: 128, the question's; Fashion-MNIST: 28)."),
        OptionalEnum<PairData>("--trained-on", "For a PyTorch file: the data its model was made for, which decides how it is checked and what `predict` takes. Default: Colours."));

    /// <summary>--output, --inputs and --channels: what a TorchScript module does not say about its forward.</summary>
    public sealed record TorchScriptOptions(Option<TorchScriptOutput> Output, Option<TorchScriptInputs> Inputs, Option<int> Channels)
    {
        public TorchScriptReading Read(ParseResult parsed) => new(parsed.GetValue(Output), parsed.GetValue(Inputs), parsed.GetValue(Channels));

        public IEnumerable<Option> All => [Output, Inputs, Channels];
    }

    public static TorchScriptOptions TorchScriptReading() => new(
        Enum("--output", "For a TorchScript module: what forward returns per pair, Probability (a sigmoid at the end, as the question's) or Logit.", TorchScriptOutput.Probability),
        Enum("--inputs", "For a TorchScript module: forward(query, template) is QueryAndTemplate, forward(data) with data = torch.stack([q, t]) is Stacked "
            + "(the question's TemplateEvaluator). Default Auto: told by forward's number of arguments.", TorchScriptInputs.Auto),
        new Option<int>("--channels") { Description = "For a TorchScript module: the channels of its input images, 3 (RGB; greyscale images are repeated) or 1.", DefaultValueFactory = _ => 3 });

    private static T ParseEnum<T>(System.CommandLine.Parsing.ArgumentResult r, string name, T fallback) where T : struct, System.Enum
    {
        var token = r.Tokens.Single().Value;
        if (System.Enum.TryParse<T>(token, ignoreCase: true, out var value) && System.Enum.IsDefined(value) && !int.TryParse(token, out _))
            return value;
        r.AddError($"Unknown value '{token}' for {name}; valid: {string.Join(", ", System.Enum.GetNames<T>())}.");
        return fallback;
    }
}
