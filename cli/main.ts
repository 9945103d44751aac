console.log('tollgate', process.versions.node);
