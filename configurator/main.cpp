#include "ui/ConfiguratorMain.h"

int main(int argc, char *argv[])
{
    return aap::configurator::ConfiguratorMain::run(argc, argv);
}
