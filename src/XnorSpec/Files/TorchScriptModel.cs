using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using TorchSharp;
using XnorSpec.Model;
using XnorSpec.Runtime;
using static TorchSharp.torch;

namespace XnorSpec.Files;

/// <summary>What a TorchScript comparison model returns for each pair.</summary>
public enum TorchScriptOutput
{
    /// <summary>One probability in [0, 1] per pair (a sigmoid at the end, as the question's <c>nn.Sigmoid()</c>): the default.</summary>
    Probability,
    /// <summary>One logit per pair (no sigmoid at the end).</summary>
    Logit,
}

/// <summary>How a TorchScript model's <c>forward</c> takes the two images.</summary>
public enum TorchScriptInputs
{
    /// <summary>Told apart by the number of <c>forward</c>'s arguments: two is <see cref="QueryAndTemplate"/>, one is <see cref="Stacked"/>.</summary>
    Auto,
    /// <summary><c>forward(query, template)</c>, each [B, C, H, W].</summary>
    QueryAndTemplate,
    /// <summary><c>forward(data)</c> with <c>data = torch.stack([query, template])</c>, [2, B, C, H, W]: the question's <c>TemplateEvaluator.forward(data)</c>.</summary>
    Stacked,
}

/// <summary>
/// What a TorchScript file does not say and XnorSpec needs: whether forward returns probabilities or logits, how it
/// takes the two images (found from forward's arguments unless told), and how many channels its images have
/// (3 unless told; XnorSpec's images are RGB, greyscale ones with the grey value in all three channels).
/// </summary>
public sealed record TorchScriptReading(TorchScriptOutput Output = TorchScriptOutput.Probability, TorchScriptInputs Inputs = TorchScriptInputs.Auto, int Channels = 3);

/// <summary>
/// A comparison model a PyTorch user scripted or traced (<c>torch.jit.script(model).save(path)</c>, PyTorch 1.13 or
/// later), run by libtorch through TorchSharp: its <c>forward</c> takes the query batch and the template batch, or
/// one stacked tensor as the question's <c>TemplateEvaluator.forward(data)</c> does, and returns one probability
/// (turned into a logit, log(p / (1 - p)), with p clamped to [2^-24, 1 - 2^-24]) or one logit per pair. Every failure
/// of the file or of its forward is a <see cref="BadFileException"/> naming the file, the problem and the fix; libtorch's
/// own errors (ExternalException) never leave this class unexplained.
/// </summary>
public sealed class TorchScriptModel : ComparisonModel
{
    private readonly jit.ScriptModule script;

    private TorchScriptModel(string path, TorchScriptReading reading, jit.ScriptModule script, TorchScriptInputs inputs, int arguments)
        : base(nameof(TorchScriptModel))
    {
        Path = path;
        Reading = reading;
        this.script = script;
        Inputs = inputs;
        ForwardArguments = arguments;
        RegisterComponents();
    }

    /// <summary>The file it was read from.</summary>
    public string Path { get; }

    public TorchScriptReading Reading { get; }

    /// <summary>How forward takes the images: never <see cref="TorchScriptInputs.Auto"/> once loaded.</summary>
    public TorchScriptInputs Inputs { get; }

    /// <summary>The number of arguments of the file's forward, self not counted.</summary>
    public int ForwardArguments { get; }

    public TorchScriptOutput Output => Reading.Output;

    public int Channels => Reading.Channels;

    public override string Description => $"TorchScript model {System.IO.Path.GetFileName(Path)}";

    public override double? SaturatedLogit => Output == TorchScriptOutput.Probability ? ClampedLogit : null;

    /// <summary>Whether <paramref name="path"/> is a zip archive holding TorchScript code (torch.jit.save's format), without loading it.</summary>
    public static bool LooksLikeTorchScript(string path)
    {
        if (!PyTorchFile.LooksLikePyTorch(path)) return false;
        try
        {
            using var archive = ZipFile.OpenRead(path);
            return archive.Entries.Any(e => e.FullName.Split('/') is [_, "code", ..]) && archive.Entries.Any(e => e.FullName.EndsWith("/constants.pkl", StringComparison.Ordinal));
        }
        catch (InvalidDataException) { return false; }
    }

    /// <summary>Reads a TorchScript file onto <paramref name="device"/> (CPU when null), whatever device it was saved on, in the mode it was saved in.</summary>
    public static TorchScriptModel Load(string path, TorchScriptReading? reading = null, Device? device = null)
    {
        reading ??= new TorchScriptReading();
        if (reading.Channels is not (1 or 3))
            throw new ArgumentException($"Channels = {reading.Channels} is not accepted; XnorSpec's images have 3 channels (RGB, greyscale in all three) or 1 (greyscale).", nameof(reading));
        if (!File.Exists(path))
            throw new BadFileException(path, "no such file", "Check the path; a TorchScript model is saved with torch.jit.script(model).save(path).");
        if (!LooksLikeTorchScript(path))
        {
            if (PyTorchFile.LooksLikePyTorch(path))
                throw new BadFileException(path, "a PyTorch state_dict or other torch.save archive, not TorchScript: it holds weights but no code, so it does not say how its model compares two images",
                    "Save the whole model as TorchScript: torch.jit.script(model).save(path) (or torch.jit.trace(model, example).save(path)); a state_dict of the question's TemplateEvaluator is read as one, with the head it was built with.");
            throw new BadFileException(path, "not a TorchScript file (torch.jit.save writes a zip archive with the model's code)",
                "Save the model with torch.jit.script(model).save(path) or torch.jit.trace(model, example).save(path).");
        }

        NativeBackend.EnsureLoaded();
        var target = device ?? CPU;
        jit.ScriptModule script;
        try { script = jit.load(path, DeviceType.CPU); }
        catch (ExternalException e)
        {
            throw new BadFileException(path, $"libtorch could not read this TorchScript file ({FirstLine(e.Message)})",
                "Save it again with torch.jit.save from PyTorch 1.13 or later.");
        }

        try
        {
            int arguments = ForwardArgumentsOf(script);
            var inputs = (reading.Inputs, arguments) switch
            {
                (TorchScriptInputs.Auto, 2) or (TorchScriptInputs.QueryAndTemplate, 2) => TorchScriptInputs.QueryAndTemplate,
                (TorchScriptInputs.Auto, 1) or (TorchScriptInputs.Stacked, 1) => TorchScriptInputs.Stacked,
                (TorchScriptInputs.Auto, _) => throw new BadFileException(path, $"its forward takes {arguments} argument(s)",
                    "A comparison model's forward takes (query, template), two batches [B, C, H, W], or one tensor torch.stack([query, template]) [2, B, C, H, W] as the question's TemplateEvaluator.forward(data); wrap the model in a module whose forward does."),
                _ => throw new BadFileException(path, $"its forward takes {arguments} argument(s), but inputs {reading.Inputs} was asked for, which takes {(reading.Inputs == TorchScriptInputs.Stacked ? 1 : 2)}",
                    "Leave the inputs as Auto to tell them apart by forward's arguments."),
            };
            if (target.type != DeviceType.CPU) script.to(target);
            return new TorchScriptModel(path, reading, script, inputs, arguments);
        }
        catch
        {
            script.Dispose();
            throw;
        }
    }

    /// <summary>The number of arguments of forward's schema, self not counted (TorchSharp's count leaves self out).</summary>
    private static int ForwardArgumentsOf(jit.ScriptModule script) => script.GetNumberOfInputs();

    public override Tensor Logit(Tensor query, Tensor template)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(template);
        using var scope = NewDisposeScope();
        if (query.dim() == 3) query = query.unsqueeze(0);
        if (template.dim() == 3) template = template.unsqueeze(0);
        if (query.dim() != 4 || template.dim() != 4)
            throw new ArgumentException($"query [{Shape(query)}] and template [{Shape(template)}] must be image batches [B, C, H, W] or single images [C, H, W].");
        if (query.shape[0] != template.shape[0])
            throw new ArgumentException(
                $"query has batch size {query.shape[0]} but template has {template.shape[0]}; pass the same number of query and template images.", nameof(template));
        long pairs = query.shape[0];
        query = Adapt(query, nameof(query));
        template = Adapt(template, nameof(template));

        object result;
        try { result = Inputs == TorchScriptInputs.Stacked ? script.forward(stack([query, template])) : script.forward(query, template); }
        catch (ExternalException e)
        {
            throw new BadFileException(Path, $"its forward failed on {pairs} pair(s) of images [{Shape(query)}]: {FirstLine(e.Message)}",
                "Check that the model takes images of this shape (channels, height and width) and returns one value per pair; give the channels and image size the model was made for.");
        }
        if (result is not Tensor output)
        {
            Release(result);
            throw new BadFileException(Path, $"its forward returned {Kind(result)}, not one tensor",
                "Return one probability per pair (or one logit, read as logits), a tensor [B].");
        }
        if (!(output.shape.Length == 1 && output.shape[0] == pairs) && !(output.shape.Length == 2 && output.shape[0] == pairs && output.shape[1] == 1))
            throw new BadFileException(Path, $"its forward returned a tensor [{Shape(output)}] for {pairs} pair(s), not one value per pair",
                "Return one probability (or logit) per pair, a tensor [B] or [B, 1]: for instance end forward with .flatten() on a [B, 1] output.");
        if (!output.dtype.IsFloatingPoint())
            throw new BadFileException(Path, $"its forward returned {output.dtype} values, not floating-point probabilities or logits", "Return float32 probabilities or logits.");
        var values = output.reshape(pairs).to(float64);
        if (!isfinite(values).all().item<bool>())
            throw new BadFileException(Path, "its forward returned NaN or infinite values", "Check the model on these images in PyTorch; a model that returns NaN cannot be checked.");
        if (Output == TorchScriptOutput.Logit)
            return values.to(float32).MoveToOuterDisposeScope();

        double low = values.min().item<double>(), high = values.max().item<double>();
        if (low < 0 || high > 1)
            throw new BadFileException(Path, string.Create(CultureInfo.InvariantCulture, $"its forward returned values from {low:G6} to {high:G6}, outside [0, 1], so they are not probabilities"),
                "If the model returns logits (no sigmoid at its end), read its outputs as logits (TorchScriptOutput.Logit).");
        return LogitOfProbability(values).to(float32).MoveToOuterDisposeScope();
    }

    /// <summary>The file loaded again with this model's current parameters and buffers copied in, on its device, in its mode.</summary>
    public override ComparisonModel Copy() => WithThisModelsWeights(Load(Path, Reading with { Inputs = Inputs }, ParameterDevice));

    /// <summary>
    /// Read at once rather than lazily: Module.Dispose disposes each module as it enumerates them, and a TorchScript
    /// module's submodules are read from its native handle, which would be gone by then.
    /// </summary>
    public override IEnumerable<(string name, nn.Module module)> named_modules() => base.named_modules().ToArray();

    // XnorSpec's images are RGB [B, 3, H, W]; greyscale data carries the grey value in all three channels.
    private Tensor Adapt(Tensor images, string name)
    {
        long channels = images.shape[1];
        if (channels == Channels) return images;
        if (channels == 1 && Channels == 3) return images.expand(-1, 3, -1, -1); // a grey image for an RGB model: the channel repeated
        if (channels == 3 && Channels == 1) return images.mean([1], keepdim: true); // the grey value of greyscale data (all three channels equal)
        throw new ArgumentException($"{name} has {channels} channel(s), but {System.IO.Path.GetFileName(Path)} takes {Channels}; give images of 1 or 3 channels.", name);
    }

    private static void Release(object? result)
    {
        switch (result)
        {
            case Tensor t: t.Dispose(); break;
            case Tensor[] ts: foreach (var t in ts) t.Dispose(); break;
            case System.Runtime.CompilerServices.ITuple tuple:
                for (int i = 0; i < tuple.Length; i++) Release(tuple[i]);
                break;
        }
    }

    private static string Kind(object? result) => result switch
    {
        null => "None",
        Tensor[] ts => $"a list of {ts.Length} tensors",
        System.Runtime.CompilerServices.ITuple tuple => $"a tuple of {tuple.Length} values",
        _ => $"a {result.GetType().Name}",
    };

    private static string Shape(Tensor t) => string.Join(", ", t.shape);

    /// <summary>libtorch's message without its C++ stack trace: the lines up to the first blank or "Exception raised from".</summary>
    private static string FirstLine(string message)
    {
        var lines = message.Split('\n').Select(l => l.TrimEnd()).TakeWhile(l => l.Length > 0 && !l.StartsWith("Exception raised from", StringComparison.Ordinal)).ToArray();
        var text = string.Join(" ", lines.Length > 0 ? lines : [message.Trim()]);
        return text.Length > 400 ? text[..400] + "..." : text;
    }
}

internal static class ScalarTypes
{
    public static bool IsFloatingPoint(this ScalarType type) =>
        type is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;
}
