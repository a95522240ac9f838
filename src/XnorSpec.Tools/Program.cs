return XnorSpec.Tools.CommandLine.Run(args);
