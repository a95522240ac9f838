using System.Collections;
using System.IO.Compression;
using TorchSharp;
using TorchSharp.PyBridge;
using XnorSpec.Model;
using XnorSpec.Runtime;
using static TorchSharp.torch;

namespace XnorSpec.Files;

/// <summary>
/// A pair model as a PyTorch <c>state_dict</c> in torch.save's zip format, under the key names of
/// the question's TemplateEvaluator: <c>q_encoder.*</c>, <c>t_encoder.*</c> and, for the heads that
/// are one Linear over a combination of q and t (Concat, Product, Sum, AbsDiff, InferSent),
/// <c>fc.0.weight</c> and <c>fc.0.bias</c> (its <c>nn.Sequential(nn.Linear, nn.Sigmoid)</c>). The
/// other heads keep XnorSpec's own names under <c>head.</c> (ConcatMlp: head.hidden.*, head.output.*;
/// Bilinear: head.weight, head.bias; Cosine: head.scale, head.bias). A state_dict does not say how
/// its model fuses q and t, so reading one needs the head named. Pickling is TorchSharp.PyBridge's;
/// this class maps names and refuses files that do not fit, naming every kind of difference.
/// </summary>
public static class PyTorchFile
{
    /// <summary>The zip archive's <c>version</c> record torch.save writes (1.6 to 2.x) and PyBridge reads.</summary>
    public const int NewestArchiveVersion = 3;

    /// <summary>How many keys of each kind of difference a refusal lists.</summary>
    private const int Listed = 5;

    /// <summary>Our state_dict key for each of the question's, and back.</summary>
    public static string TheirKey(string ours, FusionKind head)
    {
        if (ours.StartsWith("queryEncoder.")) return "q_encoder." + ours["queryEncoder.".Length..];
        if (ours.StartsWith("templateEncoder.")) return "t_encoder." + ours["templateEncoder.".Length..];
        if (IsOneLinear(head) && ours.StartsWith("head.output.")) return "fc.0." + ours["head.output.".Length..];
        return ours;
    }

    /// <summary>True for the heads written as the question's fc = nn.Sequential(nn.Linear(n, 1), nn.Sigmoid()).</summary>
    public static bool IsOneLinear(FusionKind head) =>
        head is FusionKind.Concat or FusionKind.Product or FusionKind.Sum or FusionKind.AbsDiff or FusionKind.InferSent;

    /// <summary>Writes every parameter and BatchNorm buffer (num_batches_tracked included) under the question's names.</summary>
    public static void Save(PairModel model, string path)
    {
        NativeBackend.EnsureLoaded();
        using var scope = NewDisposeScope();
        var state = new Dictionary<string, Tensor>();
        foreach (var (ours, tensor) in model.state_dict()) state[TheirKey(ours, model.Fusion)] = tensor.detach().cpu();
        AtomicFile.Write(path, stream => PyTorchPickler.PickleStateDict(stream, state, leaveOpen: true));
    }

    /// <summary>
    /// A model with the file's weights, in eval mode. <paramref name="encoder"/> null: the one encoder
    /// of the catalogue whose keys and shapes both towers' weights (q_encoder.*, t_encoder.*) fit.
    /// </summary>
    public static PairModel Load(string path, FusionKind head, EncoderKind? encoder = null, Device? device = null)
    {
        NativeBackend.EnsureLoaded();
        // The file's tensors live until their values are copied; PyBridge's temporaries die with the reading scope.
        Dictionary<string, Tensor> file;
        using (var reading = NewDisposeScope())
        {
            file = Read(path);
            reading.Detach(file.Values);
        }
        try
        {
            var kind = encoder ?? EncoderFitting(path, file);
            // Built outside any dispose scope: the model owns its parameters and buffers.
            var model = new PairModel(head, kind);
            try
            {
                var expected = model.state_dict().ToDictionary(e => TheirKey(e.Key, head), e => e.Value);
                RequireEncoderFits(path, file, expected, kind, encoder is null);
                RequireHeadFits(path, file, expected, head, kind);
                var differences = Differences(expected, file);
                if (differences is not null)
                    throw new BadFileException(path, $"the state_dict does not fit a {head} model with {kind} encoders ({differences})",
                        "Save the model's own state_dict (torch.save(model.state_dict(), path)) from the question's TemplateEvaluator class.");
                using (var copying = NewDisposeScope())
                using (no_grad())
                    foreach (var (key, target) in expected) target.copy_(file[key].to(target.dtype));
            }
            catch
            {
                model.Dispose();
                throw;
            }
            if (device is not null) model.to(device);
            model.eval();
            return model;
        }
        finally
        {
            foreach (var tensor in file.Values) tensor.Dispose();
        }
    }

    /// <summary>True when the file starts as a zip archive, as every torch.save file since PyTorch 1.6 does.</summary>
    public static bool LooksLikePyTorch(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> head = stackalloc byte[4];
            return stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual("PK\x03\x04"u8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>The tensors of any torch.save'd dictionary of tensors, by key, on the CPU, owned by the caller's dispose scope.</summary>
    public static Dictionary<string, Tensor> ReadTensors(string path) => Read(path);

    private static Dictionary<string, Tensor> Read(string path)
    {
        byte[] start = new byte[4];
        try
        {
            using var stream = File.OpenRead(path);
            stream.ReadAtLeast(start, 4, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        { throw new BadFileException(path, "no such PyTorch file (check the path)", Remedy.GivePyTorchFile); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new BadFileException(path, $"cannot be read ({e.Message})", "Check the file's permissions."); }

        if (!start.AsSpan().SequenceEqual("PK\x03\x04"u8))
        {
            if (IsLegacyStart(start[0])) throw Legacy(path);
            throw new BadFileException(path, "not a PyTorch file (torch.save writes a zip archive; this file does not start with one)",
                Remedy.GivePyTorchFile);
        }

        RequireSupportedArchive(path);
        Hashtable unpickled;
        try
        {
            using var stream = File.OpenRead(path);
            unpickled = PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (Exception e) when (e is InvalidCastException)
        {
            throw new BadFileException(path, "holds no state_dict: its top-level object is not a dictionary",
                "Save the model's weights with torch.save(model.state_dict(), path).");
        }
        catch (Exception e) when (e is not OutOfMemoryException and not BadFileException)
        {
            // PyBridge says in its messages what it met: a whole pickled module, an unknown storage type, a damaged archive.
            throw new BadFileException(path, $"cannot be read as a PyTorch state_dict ({e.GetType().Name}: {e.Message})",
                "Save the model's weights with torch.save(model.state_dict(), path).");
        }

        var tensors = new Dictionary<string, Tensor>();
        var notTensors = new List<string>();
        foreach (DictionaryEntry entry in unpickled)
        {
            if (entry.Value is Tensor tensor) tensors[(string)entry.Key] = tensor;
            else notTensors.Add($"{entry.Key} ({entry.Value?.GetType().Name ?? "None"})");
        }
        if (notTensors.Count > 0)
            throw new BadFileException(path, $"is a dictionary whose values are not all tensors, so not a state_dict: {Few(notTensors)}",
                "If it is a training checkpoint, save its model part alone: torch.save(checkpoint['model'], path) or torch.save(model.state_dict(), path).");
        if (tensors.Count == 0)
            throw new BadFileException(path, "holds an empty state_dict", "Save the trained model's state_dict.");
        return tensors;
    }

    /// <summary>Refuses a file in PyTorch's legacy format, naming it; does nothing for any other file.</summary>
    public static void RefuseLegacy(string path)
    {
        var start = new byte[1];
        using (var stream = File.OpenRead(path)) stream.ReadAtLeast(start, 1, throwOnEndOfStream: false);
        if (IsLegacyStart(start[0])) throw Legacy(path);
    }

    // torch.save(..., _use_new_zipfile_serialization=False) and PyTorch before 1.6 write a bare pickle (protocol 2: 0x80 0x02).
    private static bool IsLegacyStart(byte first) => first == 0x80;

    private static BadFileException Legacy(string path) =>
        new(path, "written in PyTorch's legacy format (a bare pickle: PyTorch before 1.6, or _use_new_zipfile_serialization=False), which is not read",
            "Load it in PyTorch and save it again with torch.save(state_dict, path), the zip format PyTorch writes by default since 1.6.");

    /// <summary>Checks the archive's version and byte order records before PyBridge reads it, which checks neither.</summary>
    private static void RequireSupportedArchive(string path)
    {
        try
        {
            using var archive = ZipFile.OpenRead(path);
            string? Record(string name) =>
                archive.Entries.FirstOrDefault(e => e.FullName.Count(c => c == '/') == 1 && e.FullName.EndsWith("/" + name)) is { } entry
                    ? new StreamReader(entry.Open()).ReadToEnd().Trim() : null;

            if (!archive.Entries.Any(e => e.FullName.EndsWith("/data.pkl")))
                throw new BadFileException(path, "a zip archive without a data.pkl record, so not written by torch.save",
                    Remedy.GivePyTorchFile);
            var version = Record("version");
            if (version is null || !int.TryParse(version, out int number))
                throw new BadFileException(path, $"a torch.save archive without a readable version record (read '{version}')",
                    "Save the state_dict again with torch.save.");
            if (number > NewestArchiveVersion)
                throw new BadFileException(path, $"written in PyTorch archive format version {number}, newer than the newest this reader supports ({NewestArchiveVersion})",
                    $"Save it from a PyTorch that writes format {NewestArchiveVersion} (PyTorch 1.6 to 2.x do), or update XnorSpec's TorchSharp.PyBridge.");
            if (Record("byteorder") is { } order && order != "little")
                throw new BadFileException(path, $"stores its tensors in {order}-endian byte order; only little-endian is read",
                    "Save it on a little-endian machine (x86-64, ARM64).");
        }
        catch (InvalidDataException e)
        {
            throw new BadFileException(path, $"a damaged or truncated zip archive ({e.Message})", "Save the state_dict again.");
        }
    }

    private static bool IsEncoderKey(string key) => key.StartsWith("q_encoder.") || key.StartsWith("t_encoder.");

    /// <summary>The encoder of the catalogue whose keys and shapes both towers' weights fit; refused with the differences from the closest.</summary>
    private static EncoderKind EncoderFitting(string path, Dictionary<string, Tensor> file)
    {
        var towers = file.Where(e => IsEncoderKey(e.Key)).ToDictionary();
        (EncoderKind Kind, int Count, string Differences)? closest = null;
        // Smallest first: building a ResNet18 to compare with costs about 0.3 s, a TinyCnn nothing.
        foreach (var kind in Enum.GetValues<EncoderKind>().OrderBy(k => k == EncoderKind.ResNet18))
        {
            using var encoder = Encoders.Create(kind);
            var expected = encoder.state_dict().SelectMany(e => new[] { ("q_encoder." + e.Key, e.Value), ("t_encoder." + e.Key, e.Value) })
                .ToDictionary(e => e.Item1, e => e.Value);
            if (Differences(expected, towers, out int count) is not { } differences) return kind;
            if (closest is null || count < closest.Value.Count) closest = (kind, count, differences);
        }
        throw new BadFileException(path, $"its encoder weights (q_encoder.*, t_encoder.*) fit none of the encoders XnorSpec has ({string.Join(", ", Enum.GetNames<EncoderKind>())})"
            + (towers.Count == 0 ? "; it has no q_encoder.* or t_encoder.* keys at all" : $"; against the closest, {closest!.Value.Kind}: {closest.Value.Differences}"),
            Remedy.NameEncoder);
    }

    private static void RequireEncoderFits(string path, Dictionary<string, Tensor> file, Dictionary<string, Tensor> expected, EncoderKind kind, bool detected)
    {
        if (detected) return;
        var differences = Differences(expected.Where(e => IsEncoderKey(e.Key)).ToDictionary(), file.Where(e => IsEncoderKey(e.Key)).ToDictionary());
        if (differences is not null)
            throw new BadFileException(path, $"its encoder weights do not fit the {kind} encoder ({differences})", Remedy.LeaveOutEncoder);
    }

    /// <summary>A head whose weights have another shape is named, with the head they do fit (2000 inputs: Concat, not Product).</summary>
    private static void RequireHeadFits(string path, Dictionary<string, Tensor> file, Dictionary<string, Tensor> expected, FusionKind head, EncoderKind encoder)
    {
        var fileHead = file.Where(e => !IsEncoderKey(e.Key)).ToDictionary();
        var differences = Differences(expected.Where(e => !IsEncoderKey(e.Key)).ToDictionary(), fileHead);
        if (differences is null) return;
        var fitting = Enum.GetValues<FusionKind>().Where(kind =>
        {
            using var other = FusionHead.Create(kind, Encoders.FeatureSize(encoder));
            return Differences(other.state_dict().ToDictionary(e => TheirKey("head." + e.Key, kind), e => e.Value), fileHead) is null;
        }).ToArray();
        throw new BadFileException(path, $"its head weights do not fit a {head} head over {Encoders.FeatureSize(encoder)}-d {encoder} features ({differences})",
            Remedy.NameHead, fitting.Select(kind => kind.ToString()).ToArray());
    }

    /// <summary>Missing, unexpected and mis-shaped keys, the first few of each; null when the file fits.</summary>
    private static string? Differences(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> file) =>
        Differences(expected, file, out _);

    private static string? Differences(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> file, out int count)
    {
        var missing = expected.Keys.Where(k => !file.ContainsKey(k)).ToList();
        var unexpected = file.Keys.Where(k => !expected.ContainsKey(k)).Order().ToList();
        var misfit = expected.Where(e => file.ContainsKey(e.Key)).Select(e => Misfit(e.Key, e.Value, file[e.Key])).OfType<string>().ToList();
        count = missing.Count + unexpected.Count + misfit.Count;
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"{missing.Count} missing: {Few(missing)}");
        if (unexpected.Count > 0) parts.Add($"{unexpected.Count} unexpected: {Few(unexpected)}");
        if (misfit.Count > 0) parts.Add($"{misfit.Count} mis-shaped: {Few(misfit)}");
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private static string? Misfit(string key, Tensor expected, Tensor found)
    {
        if (!expected.shape.SequenceEqual(found.shape))
            return $"{key} is [{string.Join(", ", found.shape)}] where [{string.Join(", ", expected.shape)}] is expected";
        // A float64 or float16 file converts to float32 without loss of meaning; a float where a count belongs does not.
        if (expected.is_floating_point() != found.is_floating_point())
            return $"{key} holds {found.dtype} where {expected.dtype} is expected";
        return null;
    }

    private static string Few(IReadOnlyList<string> items) =>
        string.Join(", ", items.Take(Listed)) + (items.Count > Listed ? $", ... ({items.Count - Listed} more)" : "");
}
