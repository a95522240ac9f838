using XnorSpec.Runtime;
using XnorSpec.Files;
using XnorSpec.Data;
using XnorSpec.Model;
using XnorSpec.Training;

namespace XnorSpec.Sources;

public enum ModelFormat
{
    /// <summary>XnorSpec's own .model file: header, experiment, TorchSharp weights.</summary>
    XnorSpec,
    /// <summary>A PyTorch state_dict written by torch.save (or an export) under the question's key names.</summary>
    PyTorch,
    /// <summary>A TorchScript module (torch.jit.script or torch.jit.trace, then save): any architecture, read as a comparison model.</summary>
    TorchScript,
}

/// <summary>
/// What a PyTorch state_dict does not say and XnorSpec needs: how the model fuses q and t, its encoders, the
/// data it was made for and the image size to show it. Null encoder: the one the weights fit. Null data: the
/// question's solid colours. Null image size: the data's own (<see cref="PairSource.DefaultImageSize"/>) for a
/// PyTorch file, the recorded one for an XnorSpec file.
/// </summary>
public sealed record PyTorchReading(FusionKind? Head = null, EncoderKind? Encoder = null, int? ImageSize = null, PairData? Data = null);

/// <summary>
/// Opens either kind of model file, told apart by its first bytes, so every command accepts both, and
/// hands back the pair source of the data the model was made for (recorded in an XnorSpec file, told for a PyTorch one).
/// </summary>
public static class AnyModelFile
{
    /// <summary>
    /// Any model a comparison can be asked of: XnorSpec's own or a state_dict (<see cref="Load"/>), or a TorchScript module of
    /// any architecture, whose experiment holds only what it was told: its data (default Colours), that data's default labels,
    /// and the image size (default the data's own).
    /// </summary>
    public static (ComparisonModel Model, Experiment Experiment, ModelFormat Format) LoadComparison(string path, PyTorchReading reading,
        TorchScriptReading script, TorchSharp.torch.Device? device = null)
    {
        if (!TorchScriptModel.LooksLikeTorchScript(path))
        {
            var (model, experiment, format) = Load(path, reading, device);
            return (model, experiment, format);
        }
        if (reading.Head is not null || reading.Encoder is not null)
            throw new RefusedSettingException($"{path} is a TorchScript module, which carries its own architecture", Remedy.LeaveOutHeadAndEncoder);
        var data = reading.Data ?? PairData.Colours;
        using var source = PairSources.For(data);
        // The module has its own architecture; the experiment's head and encoder are placeholders (the check reports them as
        // null). TinyCnn, the catalogue's smallest encoder, leaves the image size to the module's own limits and trains on
        // one thread, as the small encoders do, so a fine-tuned copy replays bit for bit.
        var told = new Experiment { Data = data, Labels = source.DefaultLabels, Encoder = EncoderKind.TinyCnn, ImageSize = reading.ImageSize ?? source.DefaultImageSize }.Validated();
        return (TorchScriptModel.Load(path, script, device), told, ModelFormat.TorchScript);
    }

    /// <summary>XnorSpec's own model, from its file or a state_dict: what export, import and training take.</summary>
    public static (PairModel Model, Experiment Experiment, ModelFormat Format) Load(string path, PyTorchReading reading, TorchSharp.torch.Device? device = null)
    {
        if (TorchScriptModel.LooksLikeTorchScript(path))
            throw new BadFileException(path, "a TorchScript module, whose architecture is its own, so its weights cannot become XnorSpec's model", Remedy.CompareTorchScript);
        // A missing file goes to ModelFile.Load, which names it.
        bool pytorch = PyTorchFile.LooksLikePyTorch(path);
        if (!pytorch && File.Exists(path) && !ModelFile.HasHeader(path))
        {
            PyTorchFile.RefuseLegacy(path);
            throw new BadFileException(path, "neither an XnorSpec model file nor a PyTorch file (torch.save's zip archive)",
                Remedy.GiveModelFile);
        }
        if (!pytorch)
        {
            var (model, experiment) = ModelFile.Load(path, device);
            if (reading.Head is { } head && head != experiment.Head || reading.Encoder is { } encoder && encoder != experiment.Encoder
                || reading.Data is { } data && data != experiment.Data)
            {
                model.Dispose();
                throw new RefusedSettingException($"{path} is an XnorSpec model file that records head {experiment.Head}, encoder {experiment.Encoder} and data {experiment.Data}",
                    Remedy.LeaveOutPyTorchSettings);
            }
            if (reading.ImageSize is { } size) experiment = (experiment with { ImageSize = size }).Validated();
            return (model, experiment, ModelFormat.XnorSpec);
        }

        var fusion = reading.Head ?? throw new RefusedSettingException(
            $"{path} is a PyTorch state_dict, which does not say how its model fuses the two encoders' features", Remedy.NameHead);
        var pairs = reading.Data ?? PairData.Colours;
        using var source = PairSources.For(pairs);
        // Checked before the weights are read: a bad size costs nothing.
        var imageSize = reading.ImageSize ?? source.DefaultImageSize;
        var told = new Experiment { Head = fusion, Data = pairs, Labels = source.DefaultLabels, ImageSize = imageSize };
        if (reading.Encoder is { } known) (told with { Encoder = known }).Validated();
        var loaded = PyTorchFile.Load(path, fusion, reading.Encoder, device);
        try { return (loaded, (told with { Encoder = loaded.Encoder }).Validated(), ModelFormat.PyTorch); }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }
}
