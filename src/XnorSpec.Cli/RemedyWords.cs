using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Runtime;

namespace XnorSpec.Cli;

/// <summary>
/// Each remedy of a core refusal as the command or option of this command line that carries it out; the core says
/// what is wrong, this says what to type.
/// </summary>
public static class RemedyWords
{
    public static string For(Remedy remedy, IReadOnlyList<string> choices) => remedy switch
    {
        Remedy.TrainModel => "Train one with `xnor-spec train --save FILE` or `xnor-spec reproduce`.",
        Remedy.GiveModelFile => "Pass a file written by `xnor-spec train --save`, `reproduce` or `import`, or by torch.save(model.state_dict(), path) with --head.",
        Remedy.GivePyTorchFile => "Pass a file written by torch.save(model.state_dict(), path) or by `xnor-spec export`.",
        Remedy.NameHead => choices.Count > 0
            ? $"The weights fit --head {string.Join(" or --head ", choices)}; pass the head the model was trained with."
            : $"Pass --head Concat (the question's torch.cat, fc.0 takes 2 x 1000 inputs), --head Product (the answer's q * t, 1000 inputs) "
              + $"or another head of `xnor-spec heads` ({string.Join(", ", Enum.GetNames<FusionKind>())}); or save the whole model with "
              + "torch.jit.script(model).save(path) and pass that file to `xnor-spec check`.",
        Remedy.NameEncoder => "Save the question's TemplateEvaluator with torchvision.models.resnet18 encoders (1000 outputs), or pass --encoder to see the differences from another.",
        Remedy.LeaveOutEncoder => "Pass the --encoder the model was built with, or leave --encoder out to find the one that fits.",
        Remedy.LeaveOutPyTorchSettings => "--head, --encoder and --trained-on are for PyTorch files, which do not record them. Leave them out.",
        Remedy.LeaveOutHeadAndEncoder => "--head and --encoder are for state_dicts; a TorchScript module carries its own architecture. Leave them out.",
        Remedy.CompareTorchScript => "Pass it to `xnor-spec check` or `xnor-spec predict`, which read TorchScript modules; export and import move XnorSpec's own models and state_dicts.",
        Remedy.AllowAnyImage => "Pass --any-image to predict anyway.",
        Remedy.ChooseOutputFolder => "Choose another with --out.",
        Remedy.InstallFashionMnist => "Install the full dataset with `apt-get install dataset-fashion-mnist`, or pass a folder holding the four standard files with --data DIR.",
        Remedy.GiveResultsFile => "Pass a results.json written by `xnor-spec reproduce`.",
        Remedy.UseCpu => "Build with `-p:TorchBackend=cuda` on a machine with an NVIDIA GPU, or use --device cpu.",
        _ => throw new ArgumentOutOfRangeException(nameof(remedy), remedy, null),
    };

    /// <summary>The message of a refusal as this command line shows it: what is wrong, then what to type.</summary>
    public static string Message(Exception e) => e switch
    {
        IRemediable { Remedy: { } remedy } refusal => $"{refusal.WhatIsWrong}. {For(remedy, refusal.Choices)}",
        ArgumentException argument => argument.Reason(),
        _ => e.Message,
    };
}
