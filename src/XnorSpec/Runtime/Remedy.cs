namespace XnorSpec.Runtime;

/// <summary>
/// What a user can do about input XnorSpec refuses, named by what it achieves. The core's messages say what is
/// wrong and word the remedy plainly (<see cref="Remedies.Plain"/>); a front end words it as its own command or
/// option (the command line's are in src/XnorSpec.Cli/RemedyWords.cs), so no core message names a command.
/// </summary>
public enum Remedy
{
    /// <summary>There is no model file at the path: train and save one.</summary>
    TrainModel,
    /// <summary>The file is no model file: give one XnorSpec wrote, or a PyTorch state_dict with its head named.</summary>
    GiveModelFile,
    /// <summary>The file is no PyTorch state_dict: give one torch.save or an export wrote.</summary>
    GivePyTorchFile,
    /// <summary>A state_dict's head is not named or does not fit; the choices are the heads its weights fit, if any.</summary>
    NameHead,
    /// <summary>No encoder of the catalogue fits a state_dict's towers: save ResNet18 towers, or name an encoder to see its differences.</summary>
    NameEncoder,
    /// <summary>The encoder named does not fit a state_dict's towers: leave it out so the one that fits is found.</summary>
    LeaveOutEncoder,
    /// <summary>Head, encoder or data were given for an XnorSpec model file, which records them.</summary>
    LeaveOutPyTorchSettings,
    /// <summary>Head or encoder were given for a TorchScript module, which carries its own architecture.</summary>
    LeaveOutHeadAndEncoder,
    /// <summary>A TorchScript module was given where XnorSpec's own model is needed (export, import): check or predict with it instead.</summary>
    CompareTorchScript,
    /// <summary>An input image is not one the model was trained on: allow any image to predict anyway.</summary>
    AllowAnyImage,
    /// <summary>An output folder cannot be written: choose another.</summary>
    ChooseOutputFolder,
    /// <summary>Fashion-MNIST is not where it was looked for: install it or name a folder holding it.</summary>
    InstallFashionMnist,
    /// <summary>The file is no results file: give one a reproduction wrote.</summary>
    GiveResultsFile,
    /// <summary>CUDA was asked for but is not there: build for CUDA on a machine with a GPU, or use the CPU.</summary>
    UseCpu,
}

/// <summary>A refusal whose message is what is wrong followed by a <see cref="Remedy"/>, which a front end may word its own way.</summary>
public interface IRemediable
{
    /// <summary>The message without its remedy.</summary>
    string WhatIsWrong { get; }
    /// <summary>Null where the fix is particular to this refusal and stays in the message.</summary>
    Remedy? Remedy { get; }
    /// <summary>Names the remedy offers (the heads a state_dict's weights fit), possibly none.</summary>
    IReadOnlyList<string> Choices { get; }
}

public static class Remedies
{
    /// <summary>The remedy in the core's words, for a caller that is not a front end.</summary>
    public static string Plain(Remedy remedy, IReadOnlyList<string> choices) => remedy switch
    {
        Remedy.TrainModel => "Train a model and save it first.",
        Remedy.GiveModelFile => "Give a model file XnorSpec wrote, or a PyTorch state_dict (torch.save) with the head it was built with.",
        Remedy.GivePyTorchFile => "Give a file written by torch.save(model.state_dict(), path) or by an export.",
        Remedy.NameHead => choices.Count > 0
            ? $"The weights fit the {string.Join(" or the ", choices)} head; name the head the model was trained with."
            : "Name the head it was built with: Concat (the question's torch.cat), Product (the answer's q * t) or another head of the catalogue; "
              + "or save the whole model with torch.jit.script(model).save(path), which carries its architecture.",
        Remedy.NameEncoder => "Save the question's TemplateEvaluator with torchvision.models.resnet18 encoders (1000 outputs), or name an encoder to see the differences from it.",
        Remedy.LeaveOutEncoder => "Name the encoder the model was built with, or name none to find the one that fits.",
        Remedy.LeaveOutPyTorchSettings => "Head, encoder and data are told only for PyTorch files, which do not record them; leave them out.",
        Remedy.LeaveOutHeadAndEncoder => "Head and encoder are told only for state_dicts; leave them out.",
        Remedy.CompareTorchScript => "Read it as a comparison model (TorchScriptModel.Load) to check it or predict with it.",
        Remedy.AllowAnyImage => "Allow any image to predict anyway.",
        Remedy.ChooseOutputFolder => "Choose another output folder.",
        Remedy.InstallFashionMnist => "Install the full dataset (`apt-get install dataset-fashion-mnist`), or give a folder holding the four standard files.",
        Remedy.GiveResultsFile => "Give a results.json a reproduction wrote.",
        Remedy.UseCpu => "Build with `-p:TorchBackend=cuda` on a machine with an NVIDIA GPU, or use the CPU.",
        _ => throw new ArgumentOutOfRangeException(nameof(remedy), remedy, null),
    };
}

/// <summary>A setting XnorSpec refuses, with the remedy by intent.</summary>
public sealed class RefusedSettingException(string whatIsWrong, Remedy remedy, params string[] choices)
    : ArgumentException($"{whatIsWrong}. {Remedies.Plain(remedy, choices)}"), IRemediable
{
    public string WhatIsWrong { get; } = whatIsWrong;
    Remedy? IRemediable.Remedy => remedy;
    public IReadOnlyList<string> Choices { get; } = choices;
}
