using System.CommandLine;
using XnorSpec.Cli;

var root = new RootCommand("""
    XnorSpec: why a two-tower model with a concat-linear head cannot learn "same colour", reproduced
    with real ResNet18 training on TorchSharp.

    Start here:
      xnor-spec reproduce --profile quick     (a small encoder on 32x32 images: about 10 seconds on 2 CPU cores)
      xnor-spec reproduce                     (the question's configuration, under 10 minutes)
    """)
{
    ReproduceCommand.Create(),
    TrainCommand.Create(),
    PredictCommand.Create(),
    HeadsCommand.Create(),
    StudyCommand.Create(),
    StudyCommand.CreateSummary(),
    BenchCommand.Create(),
    SpecDocCommand.Create(),
};

return ExitCodes.Run(root, args);
